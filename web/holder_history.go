package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// A wallet's history with filters and search (a GET form: bookmarkable,
// no CSRF token needed): a date range (days in the configured zone),
// money in or out, the kind of transfer, and text found in the memo, the
// merchant's reference, the other side's id or the transfer's id. The
// API's listTransactions pages the history newest first with a cursor and
// has no filters, so the page reads the API's pages and keeps what
// matches: up to historyScan pages for one page of results, stopping at
// the first entry older than the range; "next page" goes on from there.

const (
	historyPage = 20  // results a page shows (at least, unless the history ends)
	historyRead = 100 // entries asked of the API at once when filtering
	historyScan = 10  // the API's pages read at most for one page of results
)

// historyKinds are the transfer kinds a holder's wallet sees, for the
// filter.
var historyKinds = []string{"payment", "topup", "withdrawal", "refund", "payment_refund", "capture", "sweep", "fee", "fee_refund", "allocation", "review_refusal"}

// historyFilter is the history form's values.
type historyFilter struct {
	Wallet, From, To, Direction, Kind, Q, Cursor string
}

type historyData struct {
	Wallets []client.Wallet
	Kinds   []string
	F       historyFilter
	Entries []client.Entry
	// Next is the address of the next page ("" on the last).
	Next template.URL
}

func (w *Web) historyRoutes() {
	w.handle("GET /wallet/history", func(q *req) {
		if !q.holder() {
			return
		}
		v := q.r.URL.Query()
		f := historyFilter{Wallet: v.Get("wallet"), From: v.Get("from"), To: v.Get("to"), Direction: v.Get("direction"),
			Kind: v.Get("kind"), Q: strings.TrimSpace(v.Get("q")), Cursor: v.Get("cursor")}
		me, ok := q.me()
		if !ok {
			return
		}
		d := historyData{Wallets: me.Wallets, Kinds: historyKinds, F: f}
		if len(me.Wallets) == 0 {
			q.render(http.StatusOK, "history", "", "", d)
			return
		}
		if !slices.ContainsFunc(me.Wallets, func(w client.Wallet) bool { return w.ID == f.Wallet }) {
			d.F.Wallet = me.Wallets[0].ID
		}
		m, errText := q.historyMatcher(d.F)
		if errText != "" {
			q.render(http.StatusUnprocessableEntity, "history", "", errText, d)
			return
		}
		next, err := q.history(&d, m)
		if err != nil {
			q.render(http.StatusUnprocessableEntity, "history", "", q.problem(err), d)
			return
		}
		if next != "" {
			nv := url.Values{}
			for k, x := range map[string]string{"wallet": d.F.Wallet, "from": f.From, "to": f.To, "direction": f.Direction, "kind": f.Kind, "q": f.Q, "cursor": next} {
				if x != "" {
					nv.Set(k, x)
				}
			}
			d.Next = template.URL("/wallet/history?" + nv.Encode())
		}
		q.render(http.StatusOK, "history", "", "", d)
	})
}

// historyMatch is a history filter as a test of an entry; since is the start
// of the range (zero: none).
type historyMatch struct {
	since, until time.Time
	any          bool // some filter is set
	f            historyFilter
}

// historyMatch reads the filter's dates (in the configured zone); errText
// says what is wrong with them.
func (q *req) historyMatcher(f historyFilter) (historyMatch, string) {
	m := historyMatch{f: f, any: f.From != "" || f.To != "" || f.Direction != "" || f.Kind != "" || f.Q != ""}
	f.Q = strings.ToLower(f.Q)
	m.f.Q = f.Q
	if f.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.From, q.w.zone)
		if err != nil {
			return m, q.t("history.baddate")
		}
		m.since = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, q.w.zone)
		if err != nil {
			return m, q.t("history.baddate")
		}
		m.until = t.AddDate(0, 0, 1)
	}
	return m, ""
}

func (m historyMatch) match(e client.Entry) bool {
	t := e.Transfer
	switch {
	case !m.since.IsZero() && t.CreatedAt.Before(m.since),
		!m.until.IsZero() && !t.CreatedAt.Before(m.until),
		m.f.Direction == "in" && strings.HasPrefix(e.Amount, "-"),
		m.f.Direction == "out" && !strings.HasPrefix(e.Amount, "-"),
		m.f.Kind != "" && t.Kind != m.f.Kind:
		return false
	}
	if m.f.Q == "" {
		return true
	}
	for _, s := range []string{t.Memo, t.Reference, t.From, t.To, t.ID} {
		if strings.Contains(strings.ToLower(s), m.f.Q) {
			return true
		}
	}
	return false
}

// history reads the API's pages of d.F.Wallet's history from d.F.Cursor
// into d.Entries, keeping what m matches; next is the cursor to go on
// from ("" when there is no more).
func (q *req) history(d *historyData, m historyMatch) (next string, err error) {
	cursor := d.F.Cursor
	limit := int64(historyPage)
	if m.any {
		limit = historyRead
	}
	for range historyScan {
		l, err := q.client().ListTransactions(q.r.Context(), d.F.Wallet, &client.ListTransactionsParams{Cursor: cursor, Limit: limit})
		if err != nil {
			return "", err
		}
		older := false
		for _, e := range l.Items {
			if m.match(e) {
				d.Entries = append(d.Entries, e)
			}
			older = older || (!m.since.IsZero() && e.Transfer.CreatedAt.Before(m.since))
		}
		cursor = l.NextCursor
		if cursor == "" || older {
			return "", nil // newest first: nothing older can match
		}
		if len(d.Entries) >= historyPage {
			break
		}
	}
	return cursor, nil
}
