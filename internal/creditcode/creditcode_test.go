package creditcode

import (
	"testing"
	"unicode/utf8"
)

// realCodes are codes published by well-known organisations. Each one was
// checked against the algorithm before being added; codes that failed were
// dropped rather than "fixed".
var realCodes = []string{
	"91350100M000100Y43", // example code widely quoted with GB 32100
	"91110000600037341L",
	"9144030071526726XG", // Tencent Technology (Shenzhen)
	"91440300708461136T", // Shenzhen Tencent Computer Systems
	"914403001922038216", // Huawei Technologies
	"91330100716105852F", // Alibaba (China)
	"91110000802100433B", // Beijing Baidu Netcom
	"91110108551385082Q", // Beijing Xiaomi Technology
	"911101085923662400", // Beijing ByteDance Technology; sum ≡ 0 (mod 31), so 31 wraps to '0'
}

func TestValidateRealCodes(t *testing.T) {
	for _, code := range realCodes {
		if err := Validate(code); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", code, err)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{"empty", "", "length is 0, want 18"},
		{"too short", "91350100M000100Y4", "length is 17, want 18"},
		{"too long", "91350100M000100Y433", "length is 19, want 18"},
		{"surrounding space", " 91350100M000100Y43", "length is 19, want 18"},
		{"letter I", "9I350100M000100Y43", "invalid character 'I' at position 2"},
		{"letter O", "91350100M0O0100Y43", "invalid character 'O' at position 11"},
		{"letter Z", "Z1350100M000100Y43", "invalid character 'Z' at position 1"},
		{"letter S", "91350100M000100S43", "invalid character 'S' at position 16"},
		{"letter V in check position", "91350100M000100Y4V", "invalid character 'V' at position 18"},
		{"lower case", "91350100m000100Y43", "invalid character 'm' at position 9 (use upper case)"},
		{"lower case excluded letter", "91350100M000100Y4s", "invalid character 's' at position 18"},
		{"punctuation", "91350100-000100Y43", "invalid character '-' at position 9"},
		{"full-width digit", "９1350100M000100Y43", "invalid character '９' at position 1"},
		{"invalid UTF-8", "91350100\xff000100Y43", "invalid character '\ufffd' at position 9"},
		{"wrong check", "91350100M000100Y44", "check character is 4, want 3"},
		{"wrong check letter", "9144030071526726XH", "check character is H, want G"},
		{"zero check expected", "91110108592366240A", "check character is A, want 0"},
		{"digit typo", "91350100M000101Y43", "check character is 3, want Q"}, // +1 at weight 10: 3 - 10 ≡ 24 (Q)
	}
	for _, tt := range tests {
		err := Validate(tt.code)
		if err == nil {
			t.Errorf("%s: Validate(%q) = nil, want %q", tt.name, tt.code, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s: Validate(%q) = %q, want %q", tt.name, tt.code, got, tt.want)
		}
	}
}

// TestSingleSubstitutionDetected relies on 31 being prime and every weight
// non-zero: any one-character change must break the check.
func TestSingleSubstitutionDetected(t *testing.T) {
	for _, code := range realCodes {
		for pos := range Length {
			for i := range len(alphabet) {
				c := alphabet[i]
				if c == code[pos] {
					continue
				}
				mutated := code[:pos] + string(c) + code[pos+1:]
				if Validate(mutated) == nil {
					t.Errorf("Validate(%q) = nil after changing position %d of %q", mutated, pos+1, code)
				}
			}
		}
	}
}

func TestCheckCharAndComplete(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
		wantErr string
	}{
		{"91350100M000100Y4", '3', ""},
		{"9144030071526726X", 'G', ""},
		{"91110108592366240", '0', ""},
		{"00000000000000000", '0', ""},
		{"9153050000000000", 0, "length is 16, want 17"},
		{"91530500000000000X", 0, "length is 18, want 17"},
		{"915305000000000O0", 0, "invalid character 'O' at position 16"},
	}
	for _, tt := range tests {
		got, err := CheckChar(tt.first17)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("CheckChar(%q) = %q, %q; want %q, %q", tt.first17, got, gotErr, tt.want, tt.wantErr)
		}

		full, err := Complete(tt.first17)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Complete(%q) = %q, %v; want error %q", tt.first17, full, err, tt.wantErr)
			}
			continue
		}
		if want := tt.first17 + string(tt.want); full != want || err != nil {
			t.Errorf("Complete(%q) = %q, %v; want %q, nil", tt.first17, full, err, want)
		}
		if err := Validate(full); err != nil {
			t.Errorf("Validate(Complete(%q)) = %v, want nil", tt.first17, err)
		}
	}
}

func TestDivision(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"91350100M000100Y43", "350100"},
		{"915305020000000000", "530502"},
		{"914403001922038216", "440300"},
		{"9153050", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Division(tt.code); got != tt.want {
			t.Errorf("Division(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, c := range realCodes {
		f.Add(c)
	}
	f.Add("")
	f.Add("91350100M000100Y4")
	f.Add("91350100m000100y43")
	f.Add("９1350100M000100Y43")
	f.Add("91350100\xff000100Y43")
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s)
		if err == nil && (len(s) != Length || utf8.RuneCountInString(s) != Length) {
			t.Fatalf("Validate(%q) = nil for a code of %d bytes", s, len(s))
		}
		if len(s) < Length-1 {
			return
		}
		prefix := s[:Length-1]
		full, cerr := Complete(prefix)
		if cerr != nil {
			if err == nil {
				t.Fatalf("Validate(%q) = nil but Complete(%q) = %v", s, prefix, cerr)
			}
			return
		}
		if verr := Validate(full); verr != nil {
			t.Fatalf("Validate(Complete(%q)) = %v, want nil", prefix, verr)
		}
		if err == nil && full != s {
			t.Fatalf("Complete(%q) = %q, want the valid input %q", prefix, full, s)
		}
	})
}
