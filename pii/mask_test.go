package pii

import "testing"

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"+8613812345678", "+86 138****5678"},
		{"+861012345678", "+86 ****5678"},   // 10 national digits: no head
		{"+85291234567", "+852 ****4567"},   // 8 national digits
		{"+16502530000", "+1 ****0000"},     // 10 national digits
		{"+442079460958", "+44 ****0958"},   // 10 national digits
		{"+4930123456", "+49 ****3456"},     // 9 national digits
		{"+491234567", "+49 ****"},          // 7 national digits: all hidden
		{"+8801712345678", "+880 ****5678"}, // 3-digit code, 10 national digits
		{"+88017123456789", "+880 171****6789"},
		{"13812345678", "138****5678"}, // legacy, no country code
		{"+86 138-1234-5678", "+86 138****5678"},
		{"+999123456789", "999****6789"}, // no such country code: all digits are national
		{"+0123", "****"},
		{"", "****"},
		{"+", "****"},
		{"abc", "****"},
		{"+86138a12345678", "****"},
		{"1381234５678", "****"}, // a full-width digit
		{"++8613812345678", "****"},
		{"8613812345678+", "****"},
	} {
		if got := MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Li Wei", "L* W**"},
		{"王小明", "王**"},
		{"王 小明", "* 小*"},
		{"欧阳娜娜", "欧***"},
		{"A", "*"},
		{"AB", "A*"},
		{"A B", "* *"},
		{"", ""},
		{"  Li  Wei ", "  L*  W** "},
		{"Li\tWei\nX", "L* W** *"}, // white space becomes a plain space
		{"Zoë Ångström", "Z** Å*******"},
		{"'t Hooft", "** H****"}, // a first rune that is not a letter is masked
		{"\u202eLi", "***"},      // nor a control or format character
		{"\xff\xfeAB", "****"},   // invalid bytes: one star each
		{"\xffA", "**"},
		{"Li\xff", "L**"},
		{"Ivan O'Neil-Smith", "I*** O***********"},
		{"ACME Trading Co., Ltd.", "A*** T****** C*** L***"},
	} {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"110101199003071234", "110***********1234"}, // resident ID, 18
		{"11010119900307123X", "110***********123X"},
		{"110101900307123", "110********7123"}, // old form, 15
		{"11010190030712", "**************"},   // 14: short
		{"E12345678", "*********"},             // passport
		{"A123456(7)", "**********"},           // Hong Kong ID
		{"", ""},
		{"1", "*"},
		{"身份证号码一二三四五六七八九十", "身份证********七八九十"},       // 15 runes
		{"-10101199003071234", "*10***********1234"}, // shown runes that are not letters or digits are masked
		{"110101199003071 34", "110***********1*34"},
		{"\xff10101199003071234", "*10***********1234"},
	} {
		if got := MaskID(c.in); got != c.want {
			t.Errorf("MaskID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskAccountNumber(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"6222021234566789", "****6789"},
		{"6222 0212 3456 6789", "****6789"},
		{"6222-0212-3456-6789", "****6789"},
		{"DE89 3704 0044 0532 0130 00", "****3000"}, // IBAN: digits only
		{"12345678", "****5678"},                    // 8 digits: the shortest shown
		{"1234567", "****"},
		{"1234", "****"},
		{"", "****"},
		{"abcdefghijkl", "****"},
		{"1234567８", "****"}, // a full-width digit is not counted
		{"12345678x", "****5678"},
	} {
		if got := MaskAccountNumber(c.in); got != c.want {
			t.Errorf("MaskAccountNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
