package emvqr_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ingot-cbdc/ingot/emvqr"
)

// The worked example of the package documentation: a dynamic code for a
// payment request of 12.30 CNY.
func ExampleEncode() {
	s, err := emvqr.Encode(emvqr.Payload{
		Dynamic:   true,
		GUID:      emvqr.DefaultGUID,
		Reference: "0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31", // the payment request id
		MCC:       "5812",
		Currency:  "156",
		Amount:    "12.30",
		Country:   "CN",
		Name:      "Lao Wang Noodles",
		City:      "Beijing",
		BillRef:   "T12-0042",
	})
	fmt.Println(s, err)
	// Output:
	// 00020101021226520008cn.ingot01360190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31520458125303156540512.305802CN5916Lao Wang Noodles6007Beijing62120508T12-00426304562C <nil>
}

// A merchant's static code: its wallet id, no amount.
func ExampleEncode_static() {
	s, err := emvqr.Encode(emvqr.Payload{
		GUID:      emvqr.DefaultGUID,
		Reference: "6217000000000014", // the merchant's wallet id
		MCC:       "5812",
		Currency:  "156",
		Country:   "CN",
		Name:      "Lao Wang Noodles",
		City:      "Beijing",
	})
	fmt.Println(s, err)
	// Output:
	// 00020101021126320008cn.ingot011662170000000000145204581253031565802CN5916Lao Wang Noodles6007Beijing63041636 <nil>
}

func ExampleDecode() {
	const code = "00020101021226520008cn.ingot01360190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31520458125303156540512.305802CN5916Lao Wang Noodles6007Beijing62120508T12-00426304562C"
	p, err := emvqr.Decode(code, emvqr.DefaultGUID)
	fmt.Println(p.Dynamic, p.Reference, p.Amount, p.Currency, err)

	// The amount altered in transit: the CRC no longer matches.
	_, err = emvqr.Decode(strings.Replace(code, "12.30", "92.30", 1), emvqr.DefaultGUID)
	fmt.Println(errors.Is(err, emvqr.ErrChecksum), err)

	// Another scheme's code.
	_, err = emvqr.Decode(code, "hk.example")
	fmt.Println(errors.Is(err, emvqr.ErrUnknownScheme), err)
	// Output:
	// true 0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31 12.30 156 <nil>
	// true emvqr: 63: CRC mismatch: the code says "562C", its content has B8AF
	// true emvqr: unknown scheme: no merchant account template for "hk.example"; the code is for "cn.ingot"
}
