package ussd

import (
	"fmt"

	"github.com/ingot-cbdc/ingot"
)

// The menus' texts, in English and Chinese. Screens shown before the
// holder has a language are in both.

const (
	chooseLang     = "Ingot\n1 English\n2 中文"
	invalidBoth    = "Invalid choice.\n无效选项。"
	welcomeBoth    = "Ingot: choose a 6-digit PIN for your wallet\n请为钱包设置6位数字PIN:"
	repeatPINBoth  = "Enter the PIN again\n请再次输入PIN:"
	pinsDifferBoth = "The PINs differ; nothing changed.\n两次输入的PIN不一致，未作更改。"
	registeredBoth = "Your PIN is set. Dial again to use your wallet.\nPIN已设置，请重新拨号使用钱包。"
)

// texts are one language's.
type texts struct {
	menu, askPayee, askMerchant, cancelled, invalid          string
	askOldPIN, askNewPIN, repeatNewPIN, pinsDiffer           string
	pinChanged, langSet, noWallet, noHistory, balanceHead    string
	recentHead, helpSMS, notPIN                              string
	amountIn, confirmSendF, confirmPayF, pinToPay, paidF     string
	noPayee, noMerchant, receivedF, paidSMSF, confirmOptions string
	codes                                                    map[string]string
	refused, back                                            string
}

var english = &texts{
	menu:           "Ingot wallet\n1 Balance\n2 Send money\n3 Pay a merchant\n4 Last 5 transactions\n5 Change PIN\n6 Language",
	askPayee:       "Send to: the phone number or the 16-digit wallet ID",
	askMerchant:    "The merchant's code:",
	cancelled:      "Cancelled. Nothing was paid.",
	invalid:        "Invalid choice.",
	askOldPIN:      "Your current PIN:",
	askNewPIN:      "A new 6-digit PIN:",
	repeatNewPIN:   "The new PIN again:",
	pinsDiffer:     "The new PINs differ; nothing changed.",
	pinChanged:     "Your PIN is changed.",
	langSet:        "Language: English.",
	noWallet:       "No wallet has this phone number.",
	noHistory:      "No transactions yet.",
	balanceHead:    "Balance",
	recentHead:     "Last 5",
	helpSMS:        "Ingot: send BAL for your balance, or PAY <phone> <amount> <PIN> to pay.",
	notPIN:         "A PIN is 6 digits.",
	amountIn:       "Amount in %s:",
	confirmSendF:   "Send %s to %s?",
	confirmPayF:    "Pay %s to %s?",
	pinToPay:       "Enter your PIN to pay %s:",
	paidF:          "Paid %s to %s. Ref %s. Balance %s.",
	paidSMSF:       "Ingot: you paid %s to %s. Ref %s. Balance %s.",
	receivedF:      "Ingot: you received %s from %s. Ref %s.",
	noPayee:        "No wallet found for %s.",
	noMerchant:     "No merchant has the code %s.",
	confirmOptions: "\n1 Confirm\n2 Cancel",
	refused:        "Not done (%s).",
	back:           "\n0 Back 00 Menu",
	codes: map[string]string{
		ingot.CodeInvalidCredentials: "Wrong PIN. Nothing was done.",
		ingot.CodeTooManyAttempts:    "Too many wrong PINs. Try again in 15 minutes.",
		ingot.CodeWeakPIN:            "This PIN is too easy to guess (one digit repeated, or a run). Choose another.",
		ingot.CodeInsufficientFunds:  "Not enough money in your wallet.",
		ingot.CodeLimitExceeded:      "Over your wallet's limits.",
		ingot.CodeInvalidAmount:      "Invalid amount.",
		ingot.CodeSameAccount:        "You cannot pay your own wallet.",
		ingot.CodeWalletFrozen:       "A wallet of this payment is frozen.",
		ingot.CodeWalletClosed:       "A wallet of this payment is closed.",
		ingot.CodeRiskDenied:         "The payment was refused.",
		ingot.CodeSpendingRuleDenied: "Your wallet's spending rule refuses this payment.",
		ingot.CodeUnavailable:        "The service is busy. Try again later.",
		ingot.CodeInternal:           "Something went wrong. Try again later.",
		ingot.CodeConflict:           "This phone has a PIN already.",
		ingot.CodeNotFound:           "No wallet has this phone number.",
	},
}

var chinese = &texts{
	menu:           "Ingot钱包\n1 查询余额\n2 转账\n3 向商户付款\n4 最近5笔交易\n5 修改PIN\n6 语言 Language",
	askPayee:       "请输入收款人手机号或16位钱包编号:",
	askMerchant:    "请输入商户编号:",
	cancelled:      "已取消，未付款。",
	invalid:        "无效选项。",
	askOldPIN:      "请输入当前PIN:",
	askNewPIN:      "请输入新的6位数字PIN:",
	repeatNewPIN:   "请再次输入新PIN:",
	pinsDiffer:     "两次输入的新PIN不一致，未作更改。",
	pinChanged:     "PIN已修改。",
	langSet:        "语言已设为中文。",
	noWallet:       "此手机号没有钱包。",
	noHistory:      "暂无交易。",
	balanceHead:    "余额",
	recentHead:     "最近5笔",
	helpSMS:        "Ingot：发送BAL查询余额，或发送 PAY 手机号 金额 PIN 付款。",
	notPIN:         "PIN为6位数字。",
	amountIn:       "请输入金额（%s）:",
	confirmSendF:   "向%[2]s转账%[1]s？",
	confirmPayF:    "向%[2]s付款%[1]s？",
	pinToPay:       "请输入PIN以支付%s:",
	paidF:          "已向%[2]s支付%[1]s。编号%[3]s。余额%[4]s。",
	paidSMSF:       "Ingot：您已向%[2]s支付%[1]s。编号%[3]s。余额%[4]s。",
	receivedF:      "Ingot：您收到%[2]s的%[1]s。编号%[3]s。",
	noPayee:        "未找到%s的钱包。",
	noMerchant:     "没有编号为%s的商户。",
	confirmOptions: "\n1 确认\n2 取消",
	refused:        "未完成（%s）。",
	back:           "\n0 返回 00 主菜单",
	codes: map[string]string{
		ingot.CodeInvalidCredentials: "PIN错误，未执行任何操作。",
		ingot.CodeTooManyAttempts:    "PIN错误次数过多，请15分钟后再试。",
		ingot.CodeWeakPIN:            "PIN过于简单（重复或连续数字），请另选。",
		ingot.CodeInsufficientFunds:  "钱包余额不足。",
		ingot.CodeLimitExceeded:      "超出钱包限额。",
		ingot.CodeInvalidAmount:      "金额无效。",
		ingot.CodeSameAccount:        "不能向自己的钱包付款。",
		ingot.CodeWalletFrozen:       "付款涉及的钱包已冻结。",
		ingot.CodeWalletClosed:       "付款涉及的钱包已注销。",
		ingot.CodeRiskDenied:         "付款被拒绝。",
		ingot.CodeSpendingRuleDenied: "钱包的消费规则不允许此付款。",
		ingot.CodeUnavailable:        "服务繁忙，请稍后再试。",
		ingot.CodeInternal:           "出现错误，请稍后再试。",
		ingot.CodeConflict:           "此手机号已设置PIN。",
		ingot.CodeNotFound:           "此手机号没有钱包。",
	},
}

func textsOf(l Lang) *texts {
	if l == Chinese {
		return chinese
	}
	return english
}

// errorText is what the holder reads for an error: its code's text, or
// "Not done (code)".
func (t *texts) errorText(err error) string {
	code := ingot.ErrorCode(err)
	if s, ok := t.codes[code]; ok {
		return s
	}
	return fmt.Sprintf(t.refused, code)
}

// BothErrorText is what the holder reads for an error, in both
// languages (before a language is chosen).
func BothErrorText(err error) string {
	return english.errorText(err) + "\n" + chinese.errorText(err)
}

// pinError is the text of an error about a PIN being chosen: one that is
// not 6 digits (invalid_request), too easy, or another error.
func (t *texts) pinError(err error) string {
	if ingot.ErrorCode(err) == ingot.CodeInvalidRequest {
		return t.notPIN
	}
	return t.errorText(err)
}

func (t *texts) payeeError(to string, err error) string {
	if ingot.ErrorCode(err) == ingot.CodeNotFound || ingot.ErrorCode(err) == ingot.CodeInvalidRequest ||
		ingot.ErrorCode(err) == ingot.CodeInvalidWalletID {
		return fmt.Sprintf(t.noPayee, clip(to, 20))
	}
	return t.errorText(err)
}

func (t *texts) merchantError(code string, err error) string {
	if ingot.ErrorCode(err) == ingot.CodeNotFound || ingot.ErrorCode(err) == ingot.CodeInvalidRequest {
		return fmt.Sprintf(t.noMerchant, clip(code, 12))
	}
	return t.errorText(err)
}

func (t *texts) askAmount(currency string) string { return fmt.Sprintf(t.amountIn, currency) }
func (t *texts) askPIN(amount string) string      { return fmt.Sprintf(t.pinToPay, amount) }

func (t *texts) confirmSend(amount, payee string) string {
	return fmt.Sprintf(t.confirmSendF, amount, payee) + t.confirmOptions
}

func (t *texts) confirmPay(amount, payee string) string {
	return fmt.Sprintf(t.confirmPayF, amount, payee) + t.confirmOptions
}

func (t *texts) paid(r Receipt, payee string) string {
	return fmt.Sprintf(t.paidF, money(r.Amount, r.Currency), payee, Ref(r.TransferID), money(r.Balance, r.Currency))
}

// balances lists wallets' balances under head, one a line, as many as
// fit.
func (t *texts) balances(head string, bs []Balance) string {
	if len(bs) == 0 {
		return t.noWallet
	}
	lines := []string{head}
	for _, b := range bs {
		l := money(b.Balance, b.Currency) + " *" + last4(b.Wallet)
		if b.Available != b.Balance {
			l = money(b.Available, b.Currency) + " / " + l
		}
		lines = append(lines, l)
	}
	return fitLines(lines)
}

// recent lists a wallet's last entries, one a line, as many as fit.
func (t *texts) recent(es []Entry) string {
	if len(es) == 0 {
		return t.noHistory
	}
	lines := []string{t.recentHead}
	for _, e := range es {
		cur, err := ingot.LookupCurrency(e.Currency)
		amount := "?"
		if err == nil {
			amount = ingot.FormatAmount(e.Amount, cur)
			if e.Amount > 0 {
				amount = "+" + amount
			}
		}
		lines = append(lines, e.Date+" "+amount+" "+clip(e.Other, 12))
	}
	return fitLines(lines)
}

// fitLines joins lines, leaving out the last ones that would make the text
// longer than a screen.
func fitLines(lines []string) string {
	out := lines[0]
	for _, l := range lines[1:] {
		if runeLen(out)+1+runeLen(l) > MaxScreen {
			break
		}
		out += "\n" + l
	}
	return out
}

// parseAmount reads an amount typed in a currency: its minor units and
// how it is shown ("CNY 12.50").
func parseAmount(s, currency string) (int64, string, error) {
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return 0, "", err
	}
	v, err := ingot.ParseAmount(s, cur)
	if err != nil {
		return 0, "", err
	}
	return v, currency + " " + ingot.FormatAmount(v, cur), nil
}

// money shows minor units of a currency: "CNY 12.50".
func money(v int64, currency string) string {
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return currency + " ?"
	}
	return currency + " " + ingot.FormatAmount(v, cur)
}

// Ref is the short reference of a transfer shown on screens and in
// receipts: the last 8 characters of its id.
func Ref(transferID string) string {
	if len(transferID) <= 8 {
		return transferID
	}
	return transferID[len(transferID)-8:]
}

func last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func runeLen(s string) int { return len([]rune(s)) }
