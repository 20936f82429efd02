package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// The URL guard keeps webhooks from being a way into the server's own
// network (server-side request forgery): an endpoint's URL must name a
// public address. It is checked twice: when an endpoint is created or
// changed (a literal address, or every address its name resolves to), and
// again on every connection the deliverer opens (the dialer's Control
// function sees the address actually dialled, so a name that resolves to a
// public address at creation and to a private one later, DNS rebinding,
// still cannot reach it). Under --sandbox or --webhook-allow-private every
// address is allowed: tests and a developer's machine post to localhost.

// MaxURLLength is the longest endpoint URL.
const MaxURLLength = 2048

// resolveTimeout bounds the resolution of an endpoint's host name at
// creation.
const resolveTimeout = 3 * time.Second

// Guard checks endpoint URLs and the addresses deliveries connect to.
type Guard struct {
	// AllowPrivate allows every address (--sandbox, --webhook-allow-private).
	AllowPrivate bool
	// Resolver resolves host names at creation; nil is net.DefaultResolver.
	Resolver *net.Resolver
}

// refused is the invalid_webhook_url error.
func refused(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeInvalidWebhookURL, format, args...)
}

// CheckURL parses and checks an endpoint URL: an absolute http or https
// URL with a host, without user information or fragment, at most
// MaxURLLength bytes, whose host is a public address or a name all of whose
// addresses are public (unless AllowPrivate). It returns the URL as
// url.URL.String spells it. A refusal is invalid_webhook_url; a name that
// cannot be resolved for another reason than not existing is unavailable.
func (g Guard) CheckURL(ctx context.Context, raw string) (string, error) {
	if len(raw) > MaxURLLength {
		return "", refused("url is longer than %d bytes", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", refused("url does not parse: %s", strings.TrimPrefix(err.Error(), "parse "))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", refused("url must be an absolute http:// or https:// URL")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", refused("url must be an absolute http:// or https:// URL with a host")
	case u.User != nil:
		return "", refused("url must not carry a user name or password")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", refused("url must not have a fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			return "", refused("url has an invalid port %q", p)
		}
	}
	if g.AllowPrivate {
		return u.String(), nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := forbidden(ip); why != "" {
			return "", refused("url's address %s is %s; webhooks go to public addresses only", ip, why)
		}
		return u.String(), nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := r.LookupNetIP(rctx, "ip", host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "", refused("url's host %q does not resolve", host)
	case err != nil:
		return "", ingot.Errorf(ingot.CodeUnavailable, "url's host %q could not be resolved now; try again", host)
	case len(ips) == 0:
		return "", refused("url's host %q does not resolve", host)
	}
	for _, ip := range ips {
		if why := forbidden(ip); why != "" {
			return "", refused("url's host %q resolves to %s, which is %s; webhooks go to public addresses only", host, ip.Unmap(), why)
		}
	}
	return u.String(), nil
}

func parsePort(p string) (int, error) {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, errors.New("out of range")
		}
	}
	return n, nil
}

// Control is a net.Dialer Control function that refuses connections to
// addresses that are not public (unless AllowPrivate): the deliverer's
// dialer uses it, so that it checks the very address it connects to.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dialing %q: not an address", address)
	}
	if why := forbidden(ap.Addr()); why != "" {
		return fmt.Errorf("webhook: refusing to connect to %s: %s (webhooks go to public addresses only)", ap.Addr().Unmap(), why)
	}
	return nil
}

// special are the IPv4 and IPv6 ranges that are not public besides what
// netip's predicates name: "this network", shared address space (CGNAT),
// IETF protocol assignments, documentation, benchmarking, reserved and
// broadcast; IPv4-compatible, NAT64 and 6to4 IPv6 addresses (which embed
// IPv4 ones), discard-only, documentation and deprecated site-local IPv6.
var special = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "in \"this network\" (0.0.0.0/8)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (100.64.0.0/10, carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved for IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved for documentation (192.0.2.0/24)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved for benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved for documentation (198.51.100.0/24)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved for documentation (203.0.113.0/24)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4, broadcast)"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible IPv6 address (::/96, deprecated)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address (64:ff9b::/96)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address (64:ff9b:1::/48)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (100::/64)"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved for documentation (2001:db8::/32)"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address (2002::/16)"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (fec0::/10)"},
}

// forbidden says why an address is not a public one webhooks may reach,
// or "" when it is.
func forbidden(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	switch {
	case !ip.IsValid():
		return "not an address"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private (RFC 1918, or unique local fc00::/7)"
	case ip.IsLinkLocalUnicast():
		return "link-local (169.254.0.0/16, fe80::/10; cloud metadata services live there)"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.why
		}
	}
	return ""
}
