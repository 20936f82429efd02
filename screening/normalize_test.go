package screening

import "testing"

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ascii", "John Smith", "john smith"},
		{"case", "JOHN smith", "john smith"},
		{"full-width", "Ｊｏｈｎ　ＳＭＩＴＨ", "john smith"},
		{"full-width digits", "Ｖｅｓｓｅｌ ７", "7 vessel"},
		{"ligature and superscript", "Ruﬁno Ⅱ ²", "2 ii rufino"},
		{"diacritics", "Évariste Quenouillard", "evariste quenouillard"},
		{"diacritics, several scripts of Latin", "Jiří Vodňanský Zsófia Kővárszegi Nguyễn", "jiri kovarszegi nguyen vodnansky zsofia"},
		{"letters that do not decompose", "Søren Łękawa Þórhallsdóttir Straße Æsgarð Đorđe", "aesgard dorde lekawa soren strasse thorhallsdottir"},
		{"dotted capital I", "İlkay", "ilkay"},
		{"word order", "Smith, John", "john smith"},
		{"hyphens and punctuation", "Mary-Ellen (O.) Doyle-Quayle; Jr.", "doyle ellen jr mary o quayle"},
		{"apostrophes join", "O'Shaughnessy d’Aubervillier Ó Briain", "briain daubervillier o oshaughnessy"},
		{"spaces collapse", "  Li \t\n Wei  ", "li wei"},
		{"soft hyphen and zero-width joiner", "Grün\u00ADwald\u200Dner", "grunwaldner"},
		{"Russian, ICAO Doc 9303", "Всеволод Щукарёв", "shchukarev vsevolod"},
		{"Russian, ICAO: Ж Х Ц Ч Ю Я Ъ Ь Й Ы Э", "Жанна Хлыстунова Цыбулькин Юлиан Яцковский Подъячев Йовчев Эмиль", "emil iatskovskii iovchev iulian khlystunova podieiachev tsybulkin zhanna"},
		{"Ukrainian", "Тарас Ґудзенко-Їжаченко Євген", "gudzenko ievgen izhachenko taras"},
		{"Serbian: Ђ is d, as in ICAO's common column", "Радослав Ђурђевић Љиљана Њего Џаја", "durdevic dzaja ljiljana njego radoslav"},
		{"Cyrillic capitals", "ЩУКАРЁВ", "shchukarev"},
		{"Greek, ELOT 743", "Θεμιστοκλής Ψαρογιώργης", "psarogiorgis themistoklis"},
		{"Greek αυ ευ before voiced and voiceless letters", "Ευάγγελος Αυγουστίνος Ελευθέριος Ευτυχία Παρασκευή", "avgoustinos eftychia eleftherios evangelos paraskevi"},
		{"Greek γγ γκ γξ γχ μπ ντ ου", "Αγγελική Γκιουλεκίδου Σφίγξ Μελαγχολία Μπουρλογιάννη Ντελλαπόρτας", "angeliki gkioulekidou melancholia mpourlogianni ntellaportas sfinx"},
		{"Greek diaeresis keeps υ a vowel", "Ταΰγετος Προϋπόθεση", "proypothesi taygetos"},
		{"Greek capitals and final sigma", "ΞΕΝΟΦΩΝ Ζαφειρόπουλος", "xenofon zafeiropoulos"},
		{"Han: family name, then the given name as one word", "王小明", "wang xiaoming"},
		{"Han: two characters", "李伟", "li wei"},
		{"Han: tones and ü dropped", "吕岚清", "lanqing lu"},
		{"Han: compound family name is not told apart", "司马晓光", "maxiaoguang si"},
		{"Han among Latin", "Li 伟", "li wei"},
		{"other scripts through unidecode", "محمد 김정", "gimjeong mhmd"},
		{"digits kept", "Vessel 7 IMO 9123456", "7 9123456 imo vessel"},
		{"nothing to compare", " -- () ", ""},
		{"symbols separate", "Ann★Lee©", "ann lee"},
		{"invalid UTF-8 separates", "Ann\xffLee", "ann lee"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Normalize(tc.in)
			if got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize(%q) = %q, not idempotent", got, again)
			}
		})
	}
}
