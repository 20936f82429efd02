package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/client"
)

// The operator's console: its reserves; a wallet found by id or by the
// holder's phone (only the operator's own: the API's isolation), with its
// tier and limits, an upgrade of the tier with its evidence, freezing,
// its linked bank accounts and bank operations; opening a wallet; API
// keys; webhook endpoints and their deliveries; security events.

type operatorData struct {
	Me *client.Me
	// Find is what was looked for: a wallet id or a phone number.
	Find string
	// Found are a phone's wallets, when it has several.
	Found   []client.Wallet
	Wallet  *client.Wallet
	Tiers   []choice // for the upgrade form, the current tier selected
	Banks   []client.BankAccount
	BankOps []client.BankOperation
	Keys    []client.APIKey
	Scopes  []string // what the operator's keys may have
	// Endpoints are the webhook endpoints with their latest deliveries;
	// NoWebhooks says the server has none configured.
	Endpoints  []endpointView
	NoWebhooks bool
	EventTypes []choice // for a new endpoint
	Events     []client.SecurityEvent
	// The security events' filter.
	EventType, Since string
	SecurityTypes    []choice
	// Shown once: a key or an endpoint's signing secret just made.
	NewKey, NewSecret string
	// The forms' idempotency keys.
	OpenIdem, KeyIdem, UpgradeIdem, StatusIdem, HookIdem string
}

// choice is an option of a select or a checkbox.
type choice struct {
	Value string
	On    bool
}

// endpointView is a webhook endpoint with its event choices and latest
// deliveries.
type endpointView struct {
	client.WebhookEndpoint
	Choices    []choice
	Deliveries []client.WebhookDelivery
}

// opView is what an operator's page shows besides what it reads.
type opView struct {
	status     int
	flash, err string
	find       string // a wallet id or a phone number
	newSecret  string // an endpoint's signing secret just made (a new key is q.newKey)
}

// securityTypes are the security events' types, for the filter.
var securityTypes = []string{auth.EventSigninSucceeded, auth.EventSigninFailed, auth.EventSigninLocked, auth.EventFactorAdded,
	auth.EventFactorRemoved, auth.EventApprovalGranted, auth.EventApprovalDenied, auth.EventKeyCreated, auth.EventKeyRevoked,
	auth.EventKeyNewAddress, auth.EventPINChanged, auth.EventWebhookDisabled}

func choices(all, on []string) []choice {
	out := make([]choice, len(all))
	for i, v := range all {
		out[i] = choice{Value: v}
		for _, o := range on {
			if o == v {
				out[i].On = true
			}
		}
	}
	return out
}

func (w *Web) operatorRoutes() {
	w.handle("GET /console/operator", func(q *req) {
		find := q.r.URL.Query().Get("find")
		if find == "" {
			find = q.r.URL.Query().Get("wallet")
		}
		q.operator(opView{status: http.StatusOK, find: find})
	})
	// op is a POST of the operator's console: the API's error shown on
	// the page, or done; the page then shows the wallet the form was about.
	op := func(pattern string, f func(q *req, c *client.Client) (opView, error)) {
		w.handle("POST "+pattern, func(q *req) {
			if !q.org(roleOperator) {
				return
			}
			v, err := f(q, q.client())
			if err != nil {
				if unauthorized(err) {
					q.ended(err)
					return
				}
				v.status, v.err = http.StatusUnprocessableEntity, q.problem(err)
			} else if v.flash == "" {
				v.status, v.flash = http.StatusOK, q.t("done")
			}
			q.operator(v)
		})
	}
	op("/console/operator/wallets", func(q *req, c *client.Client) (opView, error) {
		wl, err := c.CreateWallet(q.r.Context(), client.CreateWalletRequest{Currency: "CNY",
			Holder: client.HolderInput{Name: q.r.PostFormValue("name"), Phone: q.r.PostFormValue("phone")}}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return opView{}, err
		}
		return opView{find: wl.ID}, nil
	})
	for _, action := range []string{"freeze", "unfreeze"} {
		op("/console/operator/wallets/{id}/"+action, func(q *req, c *client.Client) (opView, error) {
			id := q.r.PathValue("id")
			idem := client.WithIdempotencyKey(q.r.PostFormValue("idem"))
			var err error
			if action == "freeze" {
				_, err = c.FreezeWallet(q.r.Context(), id, idem)
			} else {
				_, err = c.UnfreezeWallet(q.r.Context(), id, idem)
			}
			return opView{find: id}, err
		})
	}
	op("/console/operator/wallets/{id}/upgrade", func(q *req, c *client.Client) (opView, error) {
		id := q.r.PathValue("id")
		tier, _ := strconv.ParseInt(q.r.PostFormValue("tier"), 10, 64)
		_, err := c.UpgradeWallet(q.r.Context(), id, client.UpgradeRequest{Tier: tier, IDNumber: strings.TrimSpace(q.r.PostFormValue("id_number")),
			IDVerified: client.Bool(q.r.PostFormValue("id_verified") != ""), InPerson: client.Bool(q.r.PostFormValue("in_person") != "")}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		return opView{find: id}, err
	})

	op("/console/operator/keys", func(q *req, c *client.Client) (opView, error) {
		k, err := c.CreateAPIKey(q.r.Context(), client.CreateKeyRequest{Name: strings.TrimSpace(q.r.PostFormValue("name")), Scopes: q.r.PostForm["scopes"]},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return opView{}, err
		}
		q.newKey = k.APIKey
		return opView{status: http.StatusOK, flash: q.t("op.key.made")}, nil
	})
	op("/console/operator/keys/{id}/revoke", func(q *req, c *client.Client) (opView, error) {
		return opView{}, c.RevokeAPIKey(q.r.Context(), q.r.PathValue("id"))
	})

	op("/console/operator/webhooks", func(q *req, c *client.Client) (opView, error) {
		e, err := c.CreateWebhookEndpoint(q.r.Context(), client.CreateEndpointRequest{URL: strings.TrimSpace(q.r.PostFormValue("url")),
			Events: q.r.PostForm["events"], Description: strings.TrimSpace(q.r.PostFormValue("description"))}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return opView{}, err
		}
		return opView{status: http.StatusOK, flash: q.t("opc.hook.made"), newSecret: e.Secret}, nil
	})
	op("/console/operator/webhooks/{id}/events", func(q *req, c *client.Client) (opView, error) {
		_, err := c.UpdateWebhookEndpoint(q.r.Context(), q.r.PathValue("id"), client.UpdateEndpointRequest{Events: q.r.PostForm["events"]})
		if err == nil && len(q.r.PostForm["events"]) == 0 {
			err = errors.New(q.t("opc.hook.noevents"))
		}
		return opView{}, err
	})
	for _, st := range []string{"enabled", "disabled"} {
		op("/console/operator/webhooks/{id}/"+strings.TrimSuffix(st, "d"), func(q *req, c *client.Client) (opView, error) {
			_, err := c.UpdateWebhookEndpoint(q.r.Context(), q.r.PathValue("id"), client.UpdateEndpointRequest{Status: st})
			return opView{}, err
		})
	}
	op("/console/operator/webhooks/{id}/delete", func(q *req, c *client.Client) (opView, error) {
		return opView{}, c.DeleteWebhookEndpoint(q.r.Context(), q.r.PathValue("id"))
	})
	op("/console/operator/webhooks/{id}/deliveries/{delivery}/retry", func(q *req, c *client.Client) (opView, error) {
		_, err := c.RetryWebhookDelivery(q.r.Context(), q.r.PathValue("id"), q.r.PathValue("delivery"))
		return opView{}, err
	})
}

// operator renders the operator's console.
func (q *req) operator(v opView) {
	if !q.org(roleOperator) {
		return
	}
	ctx, c := q.r.Context(), q.client()
	d := operatorData{Scopes: ingot.RoleScopes(ingot.RoleOperator), NewKey: q.newKey, NewSecret: v.newSecret, Find: strings.TrimSpace(v.find),
		OpenIdem: idemKey(), KeyIdem: idemKey(), UpgradeIdem: idemKey(), StatusIdem: idemKey(), HookIdem: idemKey(),
		EventTypes: choices(ingot.EventTypes, nil)}
	me, err := c.GetMe(ctx)
	if err != nil {
		q.ended(err)
		return
	}
	d.Me = me
	status, errText := v.status, v.err
	if status == 0 {
		status = http.StatusOK
	}
	// The wallet asked for: by id, or the phone's (one, or a list).
	if d.Find != "" {
		id := strings.ReplaceAll(d.Find, " ", "")
		if !isWalletID(id) { // a phone number
			id = ""
			ws, err := c.ListWallets(ctx, &client.ListWalletsParams{Phone: d.Find, Limit: 100})
			switch {
			case err != nil:
				if errText == "" {
					errText, status = q.problem(err), http.StatusUnprocessableEntity
				}
			case len(ws.Items) == 0:
				if errText == "" {
					errText, status = q.t("opc.none"), http.StatusNotFound
				}
			case len(ws.Items) == 1:
				id = ws.Items[0].ID
			default:
				d.Found = ws.Items
			}
		}
		if id != "" {
			if wl, err := c.GetWallet(ctx, id, nil); err != nil {
				if errText == "" {
					errText, status = q.problem(err), http.StatusNotFound
				}
			} else {
				d.Wallet = wl
				tiers := []string{"4", "3", "2", "1"}
				d.Tiers = choices(tiers, []string{strconv.FormatInt(wl.Tier, 10)})
				if bas, err := c.ListBankAccounts(ctx, wl.ID); err == nil {
					d.Banks = bas.Items
				}
				if ops, err := c.ListBankOperations(ctx, wl.ID, &client.ListBankOperationsParams{Limit: 20}); err == nil {
					d.BankOps = ops.Items
				}
			}
		}
	}
	// What the key may read; a key without those scopes sees less.
	if keys, err := c.ListAPIKeys(ctx); err == nil {
		d.Keys = keys.Items
	}
	if eps, err := c.ListWebhookEndpoints(ctx); err == nil {
		for _, e := range eps.Items {
			ev := endpointView{WebhookEndpoint: e, Choices: choices(ingot.EventTypes, e.Events)}
			if ds, err := c.ListWebhookDeliveries(ctx, e.ID, &client.ListWebhookDeliveriesParams{Limit: 10}); err == nil {
				ev.Deliveries = ds.Items
			}
			d.Endpoints = append(d.Endpoints, ev)
		}
	} else {
		var ce *client.Error
		d.NoWebhooks = errors.As(err, &ce) && ce.Code == "unavailable"
	}
	qs := q.r.URL.Query()
	d.EventType, d.Since = qs.Get("event_type"), qs.Get("since")
	d.SecurityTypes = choices(securityTypes, []string{d.EventType})
	p := &client.ListSecurityEventsParams{Limit: 20}
	for _, t := range securityTypes {
		if t == d.EventType {
			p.Type = t
		}
	}
	if since, err := time.ParseInLocation(time.DateOnly, d.Since, q.w.zone); err == nil {
		p.After = since
	}
	if evs, err := c.ListSecurityEvents(ctx, p); err == nil {
		d.Events = evs.Items
	}
	q.render(status, "operator", v.flash, errText, d)
}
