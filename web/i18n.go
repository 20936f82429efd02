package web

import (
	"net/http"
	"strings"

	bcur "github.com/bojanz/currency"
	"golang.org/x/text/language"
)

// Languages: Chinese and English, chosen by the visitor (kept in the
// session) or else by Accept-Language.
var (
	langs   = []language.Tag{language.English, language.Chinese}
	matcher = language.NewMatcher(langs)
)

// pickLang is the session's language, or the best match of the request's
// Accept-Language: "en" or "zh".
func pickLang(s *session, r *http.Request) string {
	if s.Lang == "en" || s.Lang == "zh" {
		return s.Lang
	}
	_, i := language.MatchStrings(matcher, r.Header.Get("Accept-Language"))
	if langs[i] == language.Chinese {
		return "zh"
	}
	return "en"
}

// translator returns the message of a key in lang (English when it has
// none, the key itself when English has none either).
func translator(lang string) func(string) string {
	return func(key string) string {
		if m, ok := messages[lang][key]; ok {
			return m
		}
		if m, ok := messages["en"][key]; ok {
			return m
		}
		return key
	}
}

// money formats an amount as the API renders it ("1234.50", "CNY") in the
// currency's format for lang ("CN¥1,234.50", "¥1,234.50").
func money(lang, amount, code string) string {
	a, err := bcur.NewAmount(amount, code)
	if err != nil {
		return amount + " " + code
	}
	return bcur.NewFormatter(bcur.NewLocale(lang)).Format(a)
}

var messages = map[string]map[string]string{
	"en": {
		"app":                 "Ingot",
		"tagline":             "The digital currency wallet and consoles",
		"start.holder":        "My wallet",
		"start.holder.desc":   "Sign in with your phone number, your PIN and a second factor.",
		"start.console":       "Operators and the central bank",
		"start.console.desc":  "Sign in with your organisation's API key.",
		"start.docs":          "API reference",
		"signin.title":        "Sign in to your wallet",
		"signin.phone":        "Phone number",
		"signin.pin":          "PIN (6 digits)",
		"signin.next":         "Continue",
		"signin.method":       "Second factor",
		"signin.code":         "Code",
		"signin.sms":          "Text message",
		"signin.totp":         "Authenticator app",
		"signin.sent":         "We sent a code to your phone.",
		"consent.title":       "Give access to your wallet",
		"consent.asks":        "This provider asks for access:",
		"consent.read":        "see the balance, tier and last 90 days of history of the wallet you choose",
		"consent.pay":         "pay from it, within the mandate below, without asking you each time",
		"consent.days":        "for 180 days at most; you can revoke it at any time",
		"consent.wallet":      "Wallet",
		"consent.mandate":     "Mandate",
		"consent.payee":       "Only to wallet (empty: any)",
		"consent.perpayment":  "At most per payment",
		"consent.perperiod":   "At most per period",
		"consent.period":      "Period",
		"consent.day":         "day",
		"consent.week":        "week",
		"consent.month":       "month",
		"consent.until":       "Valid until (RFC 3339)",
		"consent.approve":     "Approve the mandate with the code we sent: at most",
		"consent.allow":       "Allow",
		"consent.deny":        "Deny",
		"consent.bad":         "This is not a valid authorization request (response_type=code and PKCE S256 are required).",
		"signin.go":           "Sign in",
		"console.signin":      "Console sign-in",
		"console.key":         "API key",
		"signout":             "Sign out",
		"lang.switch":         "中文",
		"wallet.title":        "My wallets",
		"wallet.balance":      "Balance",
		"wallet.available":    "Available",
		"wallet.tier":         "Tier",
		"wallet.remaining":    "Left today",
		"wallet.pay":          "Pay",
		"wallet.from":         "From",
		"wallet.to":           "To (wallet id or merchant QR code)",
		"wallet.amount":       "Amount",
		"wallet.memo":         "Note",
		"wallet.purpose":      "Purpose (payments abroad)",
		"wallet.purpose.help": "A payment to another country may need its purpose.",
		"purpose.none":        "Not given",
		"purpose.GDDS":        "Goods",
		"purpose.SCVE":        "Services",
		"purpose.SALA":        "Salary",
		"purpose.SUPP":        "Paying a supplier",
		"purpose.RENT":        "Rent",
		"purpose.EDUC":        "Education",
		"fx.title":            "Exchange",
		"fx.from":             "Sell from",
		"fx.to":               "Buy into",
		"fx.amount":           "Amount to sell",
		"fx.ask":              "Get a quote",
		"fx.rate":             "Rate",
		"fx.until":            "valid until",
		"fx.confirm":          "Exchange now",
		"fx.cancel":           "Not now",
		"fx.done":             "Exchanged",
		"fx.pick":             "Choose two of your wallets in different currencies.",
		"fx.expired":          "This quote expired or was used. Ask for a new one.",
		"wallet.history":      "Recent payments",
		"wallet.paid":         "Paid",
		"approve.title":       "Approve this payment",
		"approve.text":        "Approve a payment of %s to %s.",
		"approve.send":        "Send me a code",
		"approve.go":          "Approve and pay",
		"op.title":            "Operator console",
		"op.reserves":         "Reserves",
		"op.find":             "Find a wallet",
		"op.wallet":           "Wallet id",
		"op.open":             "Open a wallet",
		"op.name":             "Holder's name",
		"op.freeze":           "Freeze",
		"op.unfreeze":         "Unfreeze",
		"cb.title":            "Central bank console",
		"cb.supply":           "Supply",
		"cb.issued":           "Issued",
		"cb.reserves":         "Reserves",
		"cb.wallets":          "Wallets",
		"cb.fees":             "Fee accounts",
		"cb.operators":        "Operators",
		"cb.mint":             "Mint into a reserve",
		"cb.operator":         "Operator",
		"cb.checkpoint":       "Latest signed checkpoint of the transparency log",
		"status":              "Status",
		"when":                "When",
		"kind":                "Kind",
		"done":                "Done.",
		"error.session":       "Your session ended. Sign in again.",
		"error.csrf":          "This form expired. Please try again.",
		"error.forbidden":     "This console is not for this key.",
		"nav.home":            "Home",
		"cb.burn":             "Burn from a reserve",
		"op.keys":             "API keys",
		"op.scopes":           "Scopes",
		"op.key.make":         "Make a key",
		"op.key.made":         "Key made.",
		"op.key.once":         "Copy it now; it is not shown again:",
		"op.key.active":       "active",
		"op.key.revoked":      "revoked",
		"op.key.revoke":       "Revoke",
		"op.webhooks":         "Webhook endpoints",
		"op.events":           "Security events",
		"op.subject":          "Subject",
		"cb.prove":            "Prove a transfer",
		"cb.prove.desc":       "Checked in this browser, not by the server: the checkpoint's signature with the log key below (compare it with the key you hold), and the transfer's inclusion proof against the checkpoint's root.",
		"cb.prove.ok":         "Verified:",
		"cb.prove.bad":        "NOT verified:",
		"cb.transfer":         "Transfer id",
		"cb.key":              "Log key",
		"merchant.title":      "Till",
		"merchant.new":        "Ask to be paid",
		"merchant.reference":  "Reference (order or table)",
		"merchant.show":       "Show this code to the customer",
		"merchant.refund":     "Refund",
		"merchant.reason":     "Reason",
		"merchant.statement":  "Statement of a day",
		"merchant.date":       "Day",
		"merchant.download":   "Download",
		"merchant.none":       "None of your wallets is a merchant's.",
		"status.open":         "Waiting for payment",
		"status.paid":         "Paid",
		"status.expired":      "Expired",
		"nav.till":            "Till",
		"skip":                "Skip to content",
	},
	"zh": {
		"app":                 "元宝",
		"tagline":             "数字货币钱包与管理台",
		"start.holder":        "我的钱包",
		"start.holder.desc":   "用手机号、支付密码和第二重验证登录。",
		"start.console":       "运营机构与中央银行",
		"start.console.desc":  "用机构的 API 密钥登录。",
		"start.docs":          "API 文档",
		"signin.title":        "登录钱包",
		"signin.phone":        "手机号",
		"signin.pin":          "支付密码（6 位数字）",
		"signin.next":         "继续",
		"signin.method":       "第二重验证",
		"signin.code":         "验证码",
		"signin.sms":          "短信",
		"signin.totp":         "身份验证器",
		"signin.sent":         "验证码已发送到您的手机。",
		"consent.title":       "授权访问您的钱包",
		"consent.asks":        "以下机构请求访问：",
		"consent.read":        "查看您所选钱包的余额、等级和最近90天的交易记录",
		"consent.pay":         "在以下授权范围内从该钱包付款，无需每次询问您",
		"consent.days":        "最长180天；您可随时撤销",
		"consent.wallet":      "钱包",
		"consent.mandate":     "付款授权",
		"consent.payee":       "仅向此钱包付款（留空：任意收款方）",
		"consent.perpayment":  "单笔上限",
		"consent.perperiod":   "每期上限",
		"consent.period":      "周期",
		"consent.day":         "日",
		"consent.week":        "周",
		"consent.month":       "月",
		"consent.until":       "有效期至（RFC 3339）",
		"consent.approve":     "请输入验证码确认此付款授权：最多",
		"consent.allow":       "同意",
		"consent.deny":        "拒绝",
		"consent.bad":         "这不是有效的授权请求（需要 response_type=code 和 PKCE S256）。",
		"signin.go":           "登录",
		"console.signin":      "管理台登录",
		"console.key":         "API 密钥",
		"signout":             "退出",
		"lang.switch":         "English",
		"wallet.title":        "我的钱包",
		"wallet.balance":      "余额",
		"wallet.available":    "可用",
		"wallet.tier":         "等级",
		"wallet.remaining":    "今日剩余额度",
		"wallet.pay":          "付款",
		"wallet.from":         "付款钱包",
		"wallet.to":           "收款方（钱包编号或商户二维码）",
		"wallet.amount":       "金额",
		"wallet.memo":         "备注",
		"wallet.purpose":      "付款用途（跨境付款）",
		"wallet.purpose.help": "向其他国家或地区付款时，可能需要说明用途。",
		"purpose.none":        "不填",
		"purpose.GDDS":        "购买商品",
		"purpose.SCVE":        "购买服务",
		"purpose.SALA":        "工资",
		"purpose.SUPP":        "供应商付款",
		"purpose.RENT":        "租金",
		"purpose.EDUC":        "教育",
		"fx.title":            "货币兑换",
		"fx.from":             "卖出钱包",
		"fx.to":               "买入钱包",
		"fx.amount":           "卖出金额",
		"fx.ask":              "获取报价",
		"fx.rate":             "汇率",
		"fx.until":            "有效期至",
		"fx.confirm":          "立即兑换",
		"fx.cancel":           "暂不兑换",
		"fx.done":             "兑换成功",
		"fx.pick":             "请选择两个不同币种的钱包。",
		"fx.expired":          "该报价已过期或已使用，请重新获取报价。",
		"wallet.history":      "最近交易",
		"wallet.paid":         "付款成功",
		"approve.title":       "确认付款",
		"approve.text":        "确认向 %[2]s 付款 %[1]s。",
		"approve.send":        "发送验证码",
		"approve.go":          "确认并付款",
		"op.title":            "运营机构管理台",
		"op.reserves":         "备付金",
		"op.find":             "查找钱包",
		"op.wallet":           "钱包编号",
		"op.open":             "开立钱包",
		"op.name":             "持有人姓名",
		"op.freeze":           "冻结",
		"op.unfreeze":         "解冻",
		"cb.title":            "中央银行管理台",
		"cb.supply":           "发行量",
		"cb.issued":           "已发行",
		"cb.reserves":         "备付金",
		"cb.wallets":          "钱包",
		"cb.fees":             "手续费账户",
		"cb.operators":        "运营机构",
		"cb.mint":             "向备付金发行",
		"cb.operator":         "运营机构",
		"cb.checkpoint":       "透明日志最新签名检查点",
		"status":              "状态",
		"when":                "时间",
		"kind":                "类型",
		"done":                "完成。",
		"error.session":       "会话已结束，请重新登录。",
		"error.csrf":          "表单已过期，请重试。",
		"error.forbidden":     "此密钥不能使用该管理台。",
		"nav.home":            "首页",
		"cb.burn":             "从备付金回笼",
		"op.keys":             "API 密钥",
		"op.scopes":           "权限",
		"op.key.make":         "生成密钥",
		"op.key.made":         "密钥已生成。",
		"op.key.once":         "请立即复制，之后不再显示：",
		"op.key.active":       "有效",
		"op.key.revoked":      "已吊销",
		"op.key.revoke":       "吊销",
		"op.webhooks":         "Webhook 端点",
		"op.events":           "安全事件",
		"op.subject":          "对象",
		"cb.prove":            "证明一笔转账",
		"cb.prove.desc":       "在本浏览器中验证，而非由服务器验证：用下方日志公钥验证检查点签名（请与您持有的公钥比对），并用包含证明核对检查点的根哈希。",
		"cb.prove.ok":         "验证通过：",
		"cb.prove.bad":        "验证失败：",
		"cb.transfer":         "转账编号",
		"cb.key":              "日志公钥",
		"merchant.title":      "收银台",
		"merchant.new":        "发起收款",
		"merchant.reference":  "参考号（订单或桌号）",
		"merchant.show":       "请顾客扫描此码",
		"merchant.refund":     "退款",
		"merchant.reason":     "原因",
		"merchant.statement":  "日对账单",
		"merchant.date":       "日期",
		"merchant.download":   "下载",
		"merchant.none":       "您没有商户钱包。",
		"status.open":         "等待付款",
		"status.paid":         "已付款",
		"status.expired":      "已过期",
		"nav.till":            "收银台",
		"skip":                "跳到正文",
	},
}

// addMessages adds a page's messages to the catalogue: each page's file
// keeps its own (English and Chinese side by side), so that adding a page
// touches no other file. A key given twice is a programming error.
func addMessages(m map[string][2]string) {
	for k, v := range m {
		if _, dup := messages["en"][k]; dup {
			panic("web: message " + k + " is defined twice")
		}
		messages["en"][k], messages["zh"][k] = v[0], v[1]
	}
}

// fold trims and lower-cases a form value.
func fold(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
