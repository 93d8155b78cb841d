package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/image/font/sfnt"
)

// FontEnv names the environment variable that points at the report font.
const FontEnv = "YINGJI_REPORT_FONT"

// FallbackFontEnv names the environment variable that points at the font for
// characters the report font lacks.
const FallbackFontEnv = "YINGJI_REPORT_FALLBACK_FONT"

// knownFallbacks draw Latin letters and digits. Liberation Serif has the
// metrics of Times New Roman, which official documents use for numbers.
var knownFallbacks = []fontCandidate{
	{"/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", "fonts-liberation"},
	{"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"},
	{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"},
	// The Chinese fonts with Latin glyphs of their own serve as a last resort.
	{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"},
	{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"},
}

// fontCandidate is a known place of a TrueType font with Chinese glyphs and
// the Debian package that installs it.
type fontCandidate struct{ path, pkg string }

// knownFonts are tried in order. Only TrueType outlines work (the PDF
// library embeds glyf-based fonts); a TrueType collection (.ttc) is used by
// taking its first font. Noto CJK as Debian ships it (fonts-noto-cjk) is
// CFF-based OpenType and cannot be embedded; the TTF builds of Noto Sans SC
// and Noto Serif SC can.
var knownFonts = []fontCandidate{
	{"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"},
	{"/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf", "Noto Sans SC (TTF)"},
	{"/usr/share/fonts/truetype/noto/NotoSerifSC-Regular.ttf", "Noto Serif SC (TTF)"},
	{"/usr/share/fonts/truetype/noto-cjk/NotoSansSC-Regular.ttf", "Noto Sans SC (TTF)"},
	{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"},
	{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"},
	{"/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming"},
}

// FindFont returns the path of a TrueType font with Chinese glyphs: the file
// named by YINGJI_REPORT_FONT if set (an unusable file there is an error, not
// a reason to pick another font silently), else the first usable of the
// known Debian locations. The error lists every path tried and the Debian
// packages that would provide one.
func FindFont() (string, error) {
	return findFont(FontEnv, knownFonts, '中', "TrueType font with Chinese glyphs",
		"fonts-droid-fallback (or fonts-wqy-microhei)")
}

// FindFallbackFont returns the path of a TrueType font with Latin letters
// and digits, for what the report font lacks: the file named by
// YINGJI_REPORT_FALLBACK_FONT, else Liberation Serif, DejaVu or WenQuanYi at
// their Debian locations.
func FindFallbackFont() (string, error) {
	return findFont(FallbackFontEnv, knownFallbacks, '0', "TrueType font with Latin letters and digits",
		"fonts-liberation (or fonts-dejavu-core)")
}

func findFont(env string, candidates []fontCandidate, probe rune, what, install string) (string, error) {
	if p := strings.TrimSpace(os.Getenv(env)); p != "" {
		if _, err := openFace(p, probe); err != nil {
			return "", fmt.Errorf("report: %s=%s: %w", env, p, err)
		}
		return p, nil
	}
	var tried []string
	for _, c := range candidates {
		_, err := openFace(c.path, probe)
		if err == nil {
			return c.path, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s): %v", c.path, c.pkg, err))
	}
	return "", fmt.Errorf("report: no %s found; tried %s=(unset), %s; "+
		"install one with `apt-get install %s`, or set %s to a .ttf or .ttc file",
		what, env, strings.Join(tried, "; "), install, env)
}

// face is a loaded font: its bytes for the PDF writer and its parsed tables
// for asking which characters it has.
type face struct {
	path string
	data []byte
	font *sfnt.Font
	buf  sfnt.Buffer
}

// openFace loads a font and checks that it has a glyph for probe.
func openFace(path string, probe rune) (*face, error) {
	data, err := loadFont(path)
	if err != nil {
		return nil, err
	}
	fnt, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("unreadable font: %w", err)
	}
	fc := &face{path: path, data: data, font: fnt}
	if probe != 0 && !fc.has(probe) {
		return nil, fmt.Errorf("has no glyph for %q", probe)
	}
	return fc, nil
}

// has reports whether the font has a glyph for r.
func (fc *face) has(r rune) bool {
	i, err := fc.font.GlyphIndex(&fc.buf, r)
	return err == nil && i != 0
}

// loadFont reads a TrueType font, taking the first font out of a TrueType
// collection. CFF-based OpenType fonts are refused with a message saying so.
func loadFont(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("no such file")
	}
	if err != nil {
		return nil, err
	}
	if len(data) < 12 {
		return nil, errors.New("not a font file (too short)")
	}
	switch tag := string(data[:4]); {
	case tag == "ttcf":
		return firstOfCollection(data)
	case tag == "OTTO":
		return nil, errors.New("CFF-based OpenType font; the PDF writer needs TrueType outlines (.ttf)")
	case tag == "true" || binary.BigEndian.Uint32(data) == 0x00010000:
		return data, nil
	}
	return nil, errors.New("not a TrueType font file")
}

// firstOfCollection rebuilds the first font of a TrueType collection as a
// stand-alone font file: the same tables, with offsets relative to the new
// file (in a collection they are relative to the collection).
func firstOfCollection(data []byte) ([]byte, error) {
	be := binary.BigEndian
	if len(data) < 16 || be.Uint32(data[8:]) == 0 {
		return nil, errors.New("empty TrueType collection")
	}
	off := int(be.Uint32(data[12:]))
	if off+12 > len(data) {
		return nil, errors.New("damaged TrueType collection (font offset past the end)")
	}
	if v := be.Uint32(data[off:]); v != 0x00010000 && string(data[off:off+4]) != "true" {
		return nil, errors.New("the collection's first font has CFF outlines; the PDF writer needs TrueType outlines")
	}
	n := int(be.Uint16(data[off+4:]))
	dir := off + 12
	if dir+16*n > len(data) {
		return nil, errors.New("damaged TrueType collection (table directory past the end)")
	}
	type table struct {
		rec         []byte
		start, size int
		newStart    int
	}
	tables := make([]table, n)
	for i := range tables {
		rec := data[dir+16*i : dir+16*i+16]
		start, size := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if start < 0 || size < 0 || start+size > len(data) {
			return nil, fmt.Errorf("damaged TrueType collection (table %q past the end)", rec[:4])
		}
		tables[i] = table{rec: rec, start: start, size: size}
	}
	// Tables in a file are conventionally sorted by tag in the directory.
	sort.SliceStable(tables, func(i, j int) bool { return string(tables[i].rec[:4]) < string(tables[j].rec[:4]) })
	head := 12 + 16*n
	out := make([]byte, head, len(data))
	copy(out, data[off:off+12])
	for i := range tables {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		tables[i].newStart = len(out)
		out = append(out, data[tables[i].start:tables[i].start+tables[i].size]...)
	}
	for i, t := range tables {
		rec := out[12+16*i : 12+16*i+16]
		copy(rec, t.rec)
		be.PutUint32(rec[8:], uint32(t.newStart))
	}
	return out, nil
}
