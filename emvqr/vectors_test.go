package emvqr

// Published payloads, with their sources. Each CRC was also checked with an
// independent implementation: Python's binascii.crc_hqx(data, 0xFFFF), which
// is CRC-16/CCITT-FALSE.
const (
	// emvcoSample is the example payload of the EMV QR Code Specification
	// for Payment Systems, Merchant-Presented Mode (EMVCo, v1.0 and v1.1,
	// the "BEST TRANSPORT" example: two schemes' templates 29 and 31, a
	// Chinese merchant information language template 64, data objects out
	// of ID order), CRC A13A. As reproduced by libraries' tests, e.g. the
	// "@official_sample" of github.com/ericsalim/exemvi, test/mpm_test.exs.
	// Its 64 value counts characters, not bytes (最佳运输 is 4).
	emvcoSample = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"

	// mastercardSample is the "Secure Card on File QR" example of
	// Mastercard's developer documentation ("Generate QR Code for
	// Merchants", developer.mastercard.com, Mastercard Checkout Solutions),
	// CRC 6F6D: merchant account information only in a card scheme's
	// primitive data object 05, no template.
	mastercardSample = "000201010211057704736a2f41a3-c54c-fce8-32d2-0324e1c32e22*3440e5bf-81ca-4c5f-a1b2-cf989f09a03952045024530384054031005802US5913Test Merchant6008New York62080304123463046F6D"

	// pixDynamicSample is the dynamic Pix example (BR Code, Banco Central
	// do Brasil, "Manual de Padrões para Iniciação do Pix", section 6.2) as
	// transcribed field by field in the gist matheusb-comp/1efa205b3c0ffd7af1e8ce63a10e02dc
	// ("Exemplos de formato PIX"), CRC EEAB: GUID BR.GOV.BCB.PIX in 26, with
	// a URL (26.25) instead of a key (26.01).
	pixDynamicSample = "00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a995204000053039865802BR5907EMPRESA6009SAO PAULO62070503***6304EEAB"

	// pixStaticSample is that gist's static example (section 6.1), CRC 170E.
	// Its CRC is right for its bytes, but its template 62 says 08 characters
	// and has 7 ("0503***"): the CRC does not make a payload well-formed.
	pixStaticSample = "00020126360014BR.GOV.BCB.PIX0114+5511943214321520400005303986540566.665802BR5907EMPRESA6008BRASILIA62080503***6304170E"
)

// Ingot's own payloads, computed by Encode and checked with Python's
// binascii.crc_hqx (CRC 562C, 1636 and 0AEE).
var (
	dynamicPayload = Payload{
		Dynamic: true, GUID: DefaultGUID, Reference: "0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31",
		MCC: "5812", Currency: "156", Amount: "12.30", Country: "CN",
		Name: "Lao Wang Noodles", City: "Beijing", BillRef: "T12-0042",
	}
	dynamicString = "00020101021226520008cn.ingot01360190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31520458125303156540512.305802CN5916Lao Wang Noodles6007Beijing62120508T12-00426304562C"

	staticPayload = Payload{
		GUID: DefaultGUID, Reference: "6217000000000014", MCC: "5812", Currency: "156",
		Country: "CN", Name: "Lao Wang Noodles", City: "Beijing",
	}
	staticString = "00020101021126320008cn.ingot011662170000000000145204581253031565802CN5916Lao Wang Noodles6007Beijing63041636"

	// leadingZeroPayload has a CRC below 0x1000: 0AEE, written with its 0.
	leadingZeroPayload = Payload{
		GUID: DefaultGUID, Reference: "0000000000000021", MCC: "5812", Currency: "156",
		Country: "CN", Name: "Test", City: "Beijing",
	}
	leadingZeroString = "00020101021126320008cn.ingot011600000000000000215204581253031565802CN5904Test6007Beijing63040AEE"
)
