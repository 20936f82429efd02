package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/offline"
)

// `ingot device` drives a simulated offline device kept in a JSON state
// file (docs/offline-and-ussd.md): new registers it, load and unload move
// money between it and its wallet, sync uploads what it holds; balance,
// pay and receive need no network.

// deviceFile is a device's state file: the server and credential it talks
// to, and the device itself (its private key among it: mode 0600).
type deviceFile struct {
	URL    string          `json:"url"`
	Key    string          `json:"key"`
	Device *offline.Device `json:"device"`
}

func deviceCmd(env func(string) string, stdout io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "device",
		Short: "Act out an offline device: register, load, pay and receive offline, sync, unload (state in a JSON file)",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(deviceNewCmd(env, stdout), deviceLoadCmd(stdout), deviceBalanceCmd(stdout), devicePayCmd(stdout),
		deviceReceiveCmd(stdout), deviceSyncCmd(stdout), deviceUnloadCmd(stdout))
	return c
}

func deviceNewCmd(env func(string) string, stdout io.Writer) *cobra.Command {
	var file, url, key, wallet, maxBalance, maxPayment string
	c := &cobra.Command{
		Use:   "new",
		Short: "Make a device key and register it for a wallet (its operator's key certifies it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"url": "INGOT_URL", "key": "INGOT_KEY"}); err != nil {
				return err
			}
			if file == "" || key == "" || wallet == "" {
				return errors.New("device new needs --file, --key and --wallet")
			}
			if _, err := os.Lstat(file); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s exists: device new writes a new file only", file)
			}
			df := &deviceFile{URL: strings.TrimRight(url, "/"), Key: key}
			pub, seed := offline.NewKey()
			var keys struct {
				CentralBank string `json:"central_bank"`
			}
			if err := df.call(cmd.Context(), "GET", "/v1/offline/keys", nil, &keys); err != nil {
				return err
			}
			cb, err := offline.ParseKey(keys.CentralBank)
			if err != nil {
				return fmt.Errorf("the server's central bank key: %w", err)
			}
			body := map[string]string{"public_key": pub.String()}
			if maxBalance != "" {
				body["max_balance"] = maxBalance
			}
			if maxPayment != "" {
				body["max_payment"] = maxPayment
			}
			var reg struct {
				Certificate offline.DeviceCert `json:"certificate"`
			}
			if err := df.call(cmd.Context(), "POST", "/v1/wallets/"+wallet+"/devices", body, &reg); err != nil {
				return err
			}
			if df.Device, err = offline.NewDevice(seed, reg.Certificate, cb); err != nil {
				return fmt.Errorf("the certificate the server answered: %w", err)
			}
			if err := df.save(file); err != nil {
				return err
			}
			cur := ingot.MustCurrency(reg.Certificate.Currency)
			fmt.Fprintf(stdout, "device %s registered for wallet %s (holds at most %s %s, pays at most %s); key %s\n", reg.Certificate.Device, wallet,
				ingot.FormatAmount(reg.Certificate.MaxBalance, cur), cur.Code, ingot.FormatAmount(reg.Certificate.MaxPayment, cur), pub)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&file, "file", "", "the device's new state file (written 0600: it holds the device's private key and the API key)")
	f.StringVar(&url, "url", "http://"+defaultAddr, "the server (env INGOT_URL)")
	f.StringVar(&key, "key", "", "an API key of the wallet's operator (env INGOT_KEY)")
	f.StringVar(&wallet, "wallet", "", "the wallet the device holds money of")
	f.StringVar(&maxBalance, "max-balance", "", "the most the device may hold (default: the server's)")
	f.StringVar(&maxPayment, "max-payment", "", "the most it may pay at a time (default: the server's)")
	return c
}

func deviceLoadCmd(stdout io.Writer) *cobra.Command {
	var file, amount string
	c := &cobra.Command{
		Use:   "load",
		Short: "Move money from the wallet to the device (online)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			if amount == "" {
				return errors.New("device load needs --amount")
			}
			var l struct {
				Voucher offline.LoadVoucher `json:"voucher"`
			}
			d := df.Device
			if err := df.call(cmd.Context(), "POST", "/v1/devices/"+d.Cert.Device+"/loads", map[string]string{"amount": amount}, &l); err != nil {
				return err
			}
			if err := d.Load(&l.Voucher); err != nil {
				return fmt.Errorf("the load voucher: %w", err)
			}
			if err := df.save(file); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "loaded %s %s; the device holds %s\n", amount, d.Cert.Currency, df.amount(d.Balance))
			return nil
		},
	}
	c.Flags().StringVar(&file, "file", "", "the device's state file")
	c.Flags().StringVar(&amount, "amount", "", "the amount, e.g. 200.00")
	return c
}

func deviceBalanceCmd(stdout io.Writer) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "balance",
		Short: "What the device holds (offline)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			d := df.Device
			fmt.Fprintf(stdout, "%s %s (device %s, counter %d, %d payments not uploaded)\n", df.amount(d.Balance), d.Cert.Currency, d.Cert.Device, d.Counter, len(d.Unsynced()))
			return nil
		},
	}
	c.Flags().StringVar(&file, "file", "", "the device's state file")
	return c
}

func devicePayCmd(stdout io.Writer) *cobra.Command {
	var file, to, amount, out string
	c := &cobra.Command{
		Use:   "pay",
		Short: "Sign a payment to another device (offline): a payment file for the payee",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			if to == "" || amount == "" || out == "" {
				return errors.New("device pay needs --to, --amount and --out")
			}
			payee, err := peerKey(to)
			if err != nil {
				return err
			}
			d := df.Device
			v, err := ingot.ParseAmount(amount, ingot.MustCurrency(d.Cert.Currency))
			if err != nil {
				return err
			}
			if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s exists: device pay writes a new file only", out)
			}
			p, err := d.Pay(payee, v)
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return err
			}
			// The state first: a device must never sign a second payment
			// with this counter, even if writing the payment file fails.
			if err := df.save(file); err != nil {
				return err
			}
			if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
				return fmt.Errorf("payment %s is signed and kept in %s, but %s was not written: %w", p.ID(), file, out, err)
			}
			fmt.Fprintf(stdout, "paid %s %s (payment %s) into %s; the device holds %s\n", df.amount(v), d.Cert.Currency, p.ID(), out, df.amount(d.Balance))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&file, "file", "", "the device's state file")
	f.StringVar(&to, "to", "", "the payee: its state file, or its public key")
	f.StringVar(&amount, "amount", "", "the amount, e.g. 12.50")
	f.StringVar(&out, "out", "", "the payment file to write")
	return c
}

// peerKey is the public key of a payee given as a device's state file or
// as a key.
func peerKey(to string) (offline.Key, error) {
	if _, err := os.Stat(to); err == nil {
		df, err := loadDeviceFile(to)
		if err != nil {
			return nil, err
		}
		return df.Device.Cert.Key, nil
	}
	k, err := offline.ParseKey(to)
	if err != nil {
		return nil, fmt.Errorf("--to %q is neither a device file nor a public key", to)
	}
	return k, nil
}

func deviceReceiveCmd(stdout io.Writer) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "receive PAYMENT_FILE",
		Short: "Check a payment to this device and add it (offline)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := offline.ParsePayment(b)
			if err != nil {
				return err
			}
			d := df.Device
			if err := d.Receive(p); err != nil {
				return err
			}
			if err := df.save(file); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "received %s %s from device %s (payment %s); the device holds %s\n", df.amount(p.Amount), d.Cert.Currency, p.Payer.Device, p.ID(), df.amount(d.Balance))
			return nil
		},
	}
	c.Flags().StringVar(&file, "file", "", "the device's state file")
	return c
}

func deviceSyncCmd(stdout io.Writer) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "sync",
		Short: "Upload what the device holds and fetch the revoked devices (online)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			return df.sync(cmd.Context(), file, stdout)
		},
	}
	c.Flags().StringVar(&file, "file", "", "the device's state file")
	return c
}

func deviceUnloadCmd(stdout io.Writer) *cobra.Command {
	var file, amount string
	c := &cobra.Command{
		Use:   "unload",
		Short: "Sign a redemption back to the wallet and upload it (online)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			df, err := loadDeviceFile(file)
			if err != nil {
				return err
			}
			if amount == "" {
				return errors.New("device unload needs --amount")
			}
			d := df.Device
			v, err := ingot.ParseAmount(amount, ingot.MustCurrency(d.Cert.Currency))
			if err != nil {
				return err
			}
			if _, err := d.Redeem(v); err != nil {
				return err
			}
			// Saved first: a redemption the upload misses is uploaded by
			// the next sync.
			if err := df.save(file); err != nil {
				return err
			}
			return df.sync(cmd.Context(), file, stdout)
		},
	}
	c.Flags().StringVar(&file, "file", "", "the device's state file")
	c.Flags().StringVar(&amount, "amount", "", "the amount, e.g. 50.00")
	return c
}

// sync uploads the device's payments, forgets those applied, and fetches
// the revocations.
func (df *deviceFile) sync(ctx context.Context, file string, stdout io.Writer) error {
	d := df.Device
	var res struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		} `json:"items"`
		Balance string   `json:"balance"`
		Revoked []string `json:"revoked"`
	}
	payments := d.Unsynced()
	if payments == nil {
		payments = []offline.Payment{}
	}
	if err := df.call(ctx, "POST", "/v1/offline/sync", map[string]any{"device_id": d.Cert.Device, "payments": payments}, &res); err != nil {
		return err
	}
	done := map[string]bool{}
	applied, refused := 0, 0
	for _, it := range res.Items {
		switch it.Status {
		case "applied", "duplicate":
			done[it.ID] = true
			applied++
		default:
			refused++
			fmt.Fprintf(stdout, "refused %s: %s: %s\n", it.ID, it.Code, it.Detail)
		}
	}
	d.Synced(done)
	var revoked struct {
		Items []struct {
			DeviceID string `json:"device_id"`
		} `json:"items"`
	}
	if err := df.call(ctx, "GET", "/v1/offline/revocations", nil, &revoked); err != nil {
		return err
	}
	ids := make([]string, 0, len(revoked.Items))
	for _, r := range revoked.Items {
		ids = append(ids, r.DeviceID)
	}
	d.SetRevoked(ids)
	if err := df.save(file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "uploaded %d payments (%d applied or known, %d refused); the ledger holds %s for the device, the device %s; %d devices revoked\n",
		len(payments), applied, refused, res.Balance, df.amount(d.Balance), len(ids))
	if refused > 0 {
		return fmt.Errorf("%d payments were refused", refused)
	}
	return nil
}

func (df *deviceFile) amount(v int64) string {
	return ingot.FormatAmount(v, ingot.MustCurrency(df.Device.Cert.Currency))
}

// call sends a JSON request with the file's key and decodes the answer
// into out; a problem answer is an error of one line.
func (df *deviceFile) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, df.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+df.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var p struct{ Code, Detail string }
		if json.Unmarshal(b, &p) == nil && p.Code != "" {
			return fmt.Errorf("%s %s: %s: %s", method, path, p.Code, p.Detail)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: the answer: %w", method, path, err)
		}
	}
	return nil
}

func loadDeviceFile(file string) (*deviceFile, error) {
	if file == "" {
		return nil, errors.New("--file is required")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var df deviceFile
	if err := json.Unmarshal(b, &df); err != nil || df.Device == nil {
		return nil, fmt.Errorf("%s is not a device file: %v", file, err)
	}
	if df.Device.Seen == nil {
		df.Device.Seen = map[string]int64{}
	}
	return &df, nil
}

// save writes the file atomically, 0600 (it holds two secrets).
func (df *deviceFile) save(file string) error {
	b, err := json.MarshalIndent(df, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".device-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
