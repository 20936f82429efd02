package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// GatewaySender sends text messages through an SMS gateway's HTTP API:
// POST URL with {"phone":"+86...","text":"..."} (JSON); any 2xx answer is
// sent. Operators put their carrier's gateway, or an adapter to it, behind
// the URL (ingot serve --sms-gateway-url).
type GatewaySender struct {
	URL    string
	Client *http.Client // nil: a client with a 10 s timeout
}

// Send posts one message.
func (g *GatewaySender) Send(ctx context.Context, phone, text string) error {
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	body, _ := json.Marshal(map[string]string{"phone": phone, "text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway answered %s", resp.Status)
	}
	return nil
}

// NoSender is the sender of a server with no SMS gateway: every message
// fails, so that sign-in answers unavailable rather than pretending.
type NoSender struct{}

// Send fails.
func (NoSender) Send(context.Context, string, string) error {
	return errors.New("no SMS gateway is configured (ingot serve --sms-gateway-url, or --sandbox)")
}
