package demo

import (
	"fmt"
	"strings"

	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/registry"
)

// Surnames common in western Yunnan, including local ones such as 字, 寸 and
// 杞, so that the lists look like Baoshan rather than anywhere.
var surnames = []string{
	"杨", "李", "张", "王", "赵", "段", "刘", "陈", "罗", "周", "字", "尹", "董", "杜",
	"郭", "黄", "施", "苏", "许", "蒋", "朱", "何", "马", "孙", "彭", "寸", "闫", "杞",
}

var givenChars = []rune("建国文明华丽平云红永春芳志勇德兴学光海燕福荣伟琼梅祥军林飞斌涛静婷波俊洪秀英")

// tradeNames are the 字号 of invented companies.
var tradeNames = []string{
	"恒达", "鑫源", "永昌", "兴旺", "宏发", "金鼎", "华安", "顺成", "瑞丰", "昌盛",
	"隆兴", "嘉禾", "天宝", "福泰", "润泽", "汇通", "博源", "鼎盛", "利民", "益丰",
	"振兴", "宝丰", "新兴", "聚源", "合力", "金诚", "安泰", "东升", "泰和", "康达",
	"诚信", "万通", "远航", "恒昌", "金源", "荣达", "祥和", "腾达", "通达", "广源",
	"长青", "高原", "滇西", "哀牢", "翡翠", "玉龙", "金山", "云峰", "青松", "华信",
	"旭日", "明珠", "恒信", "德丰", "众鑫", "富源", "兴盛", "大成", "永安", "盛达",
	"亿丰", "宏远", "吉祥", "金盛", "华通", "瑞祥", "开元", "和信", "佳禾", "坤元",
	"乾元", "同心", "创新", "中天", "正华", "昊天", "凯丰", "锦程", "海源", "春晖",
}

// mobilePrefixes are the three-digit prefixes of real Chinese carriers.
var mobilePrefixes = []string{
	"133", "135", "136", "137", "138", "139", "150", "151", "152", "157",
	"158", "159", "177", "180", "182", "187", "188", "189", "199",
}

// person returns a plausible Chinese full name.
func (g *gen) person() string {
	var b strings.Builder
	b.WriteString(pick(g, surnames))
	n := 1 + g.rng.IntN(2)
	for range n {
		b.WriteRune(pick(g, givenChars))
	}
	return b.String()
}

// mobile returns a number that registry.ValidPhone accepts as a mobile.
func (g *gen) mobile() string {
	return fmt.Sprintf("%s%08d", pick(g, mobilePrefixes), g.rng.IntN(100000000))
}

// landline returns a Baoshan (area code 0875) office number.
func (g *gen) landline() string {
	return fmt.Sprintf("0875-%d%06d", g.between(2, 8), g.rng.IntN(1000000))
}

// contacts returns the people to call about a record: one on duty with a
// mobile, and an office line where the holder has an office.
func (g *gen) contacts(role string, office bool) []registry.Contact {
	cs := []registry.Contact{{Name: g.person(), Role: role, Phone: g.mobile()}}
	if office {
		cs = append(cs, registry.Contact{Name: g.person(), Role: "值班室", Phone: g.landline()})
	}
	return cs
}

// unique returns build()+Marker, drawing again while the name is taken, and
// numbering it as a last resort, so that no two demo records share a name
// and a search by name always finds one record.
func (g *gen) unique(build func() string) string {
	for i := 0; ; i++ {
		base := build()
		if i >= 20 {
			base += fmt.Sprintf("%d号", i-18)
		}
		name := base + Marker
		if !g.names[name] {
			g.names[name] = true
			return name
		}
	}
}

// creditAlphabet is the GB 32100 character set (no I, O, Z, S, V).
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode returns a unique, valid unified social credit code for an
// enterprise registered in county: registration authority 9 (market
// regulation), type 1 (enterprise), the county code, and an organisation
// code "MA" + 6 characters + its GB 11714 check character, as newly
// registered companies have.
func (g *gen) creditCode(countyCode string) (string, error) {
	for range maxDraws {
		body := make([]byte, 8)
		body[0], body[1] = 'M', 'A'
		for i := 2; i < 8; i++ {
			body[i] = creditAlphabet[g.rng.IntN(len(creditAlphabet))]
		}
		org := string(body) + orgCheck(body)
		code, err := creditcode.Complete("91" + countyCode + org)
		if err != nil {
			return "", fmt.Errorf("demo: credit code: %w", err)
		}
		if !g.creditNo[code] {
			g.creditNo[code] = true
			return code, nil
		}
	}
	return "", fmt.Errorf("demo: no free credit code for %s", countyCode)
}

// orgCheck is the GB 11714 check character of an 8-character organisation
// code body; the 10 and 11 cases wrap to "X" and "0" as in the standard.
func orgCheck(body []byte) string {
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return "X"
	case 11:
		return "0"
	default:
		return fmt.Sprint(c)
	}
}

// licence returns a permit number in the format of the issuing authority for
// the industry, and an expiry date; industries without a permit get "".
func (g *gen) licence(industry string) (no, expires string) {
	year := g.between(2021, 2024)
	expires = fmt.Sprintf("%d-%02d-%02d", year+3, g.between(1, 12), g.between(1, 28))
	switch industry {
	case "non_coal_mine", "tailings_pond":
		no = fmt.Sprintf("（云）FM安许证字〔%d〕%04d", year, g.between(1, 9999))
	case "hazchem_producer":
		no = fmt.Sprintf("（云）WH安许证字〔%d〕%04d", year, g.between(1, 999))
	case "hazchem_trader":
		no = fmt.Sprintf("云保危化经字〔%d〕%06d", year, g.between(1, 999999))
	case "fireworks_producer":
		no = fmt.Sprintf("（云）YH安许证字〔%d〕%03d", year, g.between(1, 99))
	case "fireworks_wholesaler":
		no = fmt.Sprintf("（云）YH经许证字〔%d〕%03d", year, g.between(1, 999))
	case "fireworks_retailer":
		no = fmt.Sprintf("云保烟零许字〔%d〕%04d", year, g.between(1, 9999))
	default:
		return "", ""
	}
	return no, expires
}
