package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// ingot ussd-sim: a feature phone in the terminal. It dials a running
// server's USSD callback as a gateway would (POST /v1/ussd with the
// secret), prints each screen and reads each choice from stdin, so that
// people can try the menus and scripts can pipe a whole session.

type simConfig struct {
	url         string // the server, e.g. http://127.0.0.1:8080
	secret      string
	phone       string
	serviceCode string
	session     string // "" a new random one
}

func ussdSimCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var cfg simConfig
	c := &cobra.Command{
		Use:   "ussd-sim",
		Short: "A feature phone in the terminal: dial a server's USSD menus, type choices on stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"url": "INGOT_URL", "secret": "INGOT_USSD_SECRET"}); err != nil {
				return err
			}
			return ussdSim(cmd.Context(), cfg, cmd.InOrStdin(), stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "the server's base URL (env INGOT_URL)")
	f.StringVar(&cfg.secret, "secret", "", "the USSD gateway's secret, the server's --ussd-secret (env INGOT_USSD_SECRET)")
	f.StringVar(&cfg.phone, "phone", "", "the phone number of the simulated SIM (E.164, or a number of the default region)")
	f.StringVar(&cfg.serviceCode, "service-code", "*384#", "the USSD code dialled")
	f.StringVar(&cfg.session, "session", "", "the gateway's session id; default: a new random one")
	_ = stderr
	return c
}

// ussdSim runs one USSD session: it sends the choices so far, prints the
// screen, and while the screen continues (CON) reads the next choice, a
// line of in. It ends at an END screen or at the end of in.
func ussdSim(ctx context.Context, cfg simConfig, in io.Reader, out io.Writer) error {
	if cfg.phone == "" {
		return errors.New("--phone is required")
	}
	if cfg.secret == "" {
		return errors.New("--secret is required (the server's --ussd-secret)")
	}
	if cfg.session == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.session = "sim-" + hex.EncodeToString(b[:])
	}
	endpoint := strings.TrimRight(cfg.url, "/") + "/v1/ussd"
	client := &http.Client{Timeout: 15 * time.Second}
	lines := bufio.NewReader(in)
	var path []string
	for {
		screen, err := simPost(ctx, client, endpoint, cfg, strings.Join(path, "*"))
		if err != nil {
			return err
		}
		text, cont := strings.CutPrefix(screen, "CON ")
		if !cont {
			text = strings.TrimPrefix(screen, "END ")
		}
		fmt.Fprintln(out, text)
		if !cont {
			fmt.Fprintln(out, "[session ended]")
			return nil
		}
		fmt.Fprint(out, "> ")
		line, err := lines.ReadString('\n')
		if line == "" && err != nil {
			fmt.Fprintln(out, "\n[input ended]")
			return nil
		}
		path = append(path, strings.TrimSpace(line))
	}
}

// simPost sends one callback and returns the screen.
func simPost(ctx context.Context, client *http.Client, endpoint string, cfg simConfig, text string) (string, error) {
	form := url.Values{"sessionId": {cfg.session}, "serviceCode": {cfg.serviceCode}, "phoneNumber": {cfg.phone}, "text": {text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Ussd-Secret", cfg.secret)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		var p struct{ Detail string }
		if json.Unmarshal(body, &p) == nil && p.Detail != "" {
			return "", fmt.Errorf("the server answered %s: %s", resp.Status, p.Detail)
		}
		return "", fmt.Errorf("the server answered %s", resp.Status)
	}
	return string(body), nil
}
