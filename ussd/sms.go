package ussd

import (
	"context"
	"fmt"
	"strings"
)

// SMS commands, the fallback of phones or networks without USSD: a holder
// texts one of them to the operator's number and gets the answer by SMS.
//
//	BAL                        the balances (also 余额)
//	PAY <to> <amount> <PIN>    pay a phone number or a wallet id (also 付款)
//
// Anything else is answered with the list of commands.

// CommandKind is what an SMS asks.
type CommandKind string

// The SMS commands.
const (
	CommandBalance CommandKind = "BAL"
	CommandPay     CommandKind = "PAY"
	CommandHelp    CommandKind = "" // not a command: the answer lists them
)

// Command is an SMS command, read.
type Command struct {
	Kind       CommandKind
	To, Amount string // PAY's payee (phone or wallet id) and amount
	PIN        string // PAY's PIN
}

// ParseSMS reads an SMS: words separated by spaces, the first in any case.
func ParseSMS(text string) Command {
	f := strings.Fields(text)
	if len(f) == 0 {
		return Command{}
	}
	switch strings.ToUpper(f[0]) {
	case "BAL", "BALANCE", "余额":
		if len(f) == 1 {
			return Command{Kind: CommandBalance}
		}
	case "PAY", "付款", "转账":
		if len(f) == 4 {
			return Command{Kind: CommandPay, To: f[1], Amount: f[2], PIN: f[3]}
		}
	}
	return Command{}
}

// SMS answers an SMS command of a registered holder with the text to send
// back: the balances, a payment's receipt, an error, or the list of
// commands. key is the payment's idempotency key (the message's id, as
// the caller has it; "" none). A PAY is confirmed by its text itself (it
// names the payee and the amount) and approved by the PIN in it, on the
// SIM that sent it.
func SMS(ctx context.Context, l Lang, text, key string, act Actions) string {
	t := textsOf(l)
	c := ParseSMS(text)
	switch c.Kind {
	case CommandBalance:
		bs, err := act.Balances(ctx)
		if err != nil {
			return "Ingot: " + t.errorText(err)
		}
		return t.balances("Ingot "+t.balanceHead, bs)
	case CommandPay:
		p, err := act.Payee(ctx, c.To)
		if err != nil {
			return "Ingot: " + t.payeeError(c.To, err)
		}
		amount, _, err := parseAmount(c.Amount, p.Currency)
		if err != nil {
			return "Ingot: " + t.errorText(err)
		}
		r, err := act.Pay(ctx, Payment{Payee: p, Amount: amount, Key: key}, c.PIN)
		if err != nil {
			return "Ingot: " + t.errorText(err)
		}
		return PaidText(l, r)
	}
	return t.helpSMS
}

// PaidText is the SMS receipt of a payment to its payer.
func PaidText(l Lang, r Receipt) string {
	t := textsOf(l)
	return fmt.Sprintf(t.paidSMSF, money(r.Amount, r.Currency), r.Payee, Ref(r.TransferID), money(r.Balance, r.Currency))
}

// ReceivedText is the SMS receipt of a payment to its payee: the amount
// and the payer (masked).
func ReceivedText(l Lang, amount int64, currency, from, transferID string) string {
	return fmt.Sprintf(textsOf(l).receivedF, money(amount, currency), from, Ref(transferID))
}

// UnregisteredText answers an SMS from a phone whose wallets have no PIN
// yet, in both languages.
const UnregisteredText = "Ingot: dial the wallet's USSD code to choose a PIN first.\nIngot：请先拨打钱包USSD号码设置PIN。"

// NoWalletText answers a phone that has no wallet, in both languages.
const NoWalletText = "Ingot: no wallet has this phone number.\nIngot：此手机号没有钱包。"
