package warning

import "fmt"

// Level is a public warning level, highest first: 一级 red, 二级 orange,
// 三级 yellow, 四级 blue (Emergency Response Law art. 42).
type Level string

// Levels.
const (
	Red    Level = "red"
	Orange Level = "orange"
	Yellow Level = "yellow"
	Blue   Level = "blue"
)

// Levels lists the levels, most severe first.
var Levels = []Level{Red, Orange, Yellow, Blue}

// ParseLevel checks a level name.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Red, Orange, Yellow, Blue:
		return l, nil
	}
	return "", fmt.Errorf("%q is not red, orange, yellow or blue", s)
}

// Severity is the level's CAP severity: the four levels map one to one
// onto CAP's four graded severities, most severe first (red Extreme,
// orange Severe, yellow Moderate, blue Minor).
func (l Level) Severity() string {
	switch l {
	case Red:
		return "Extreme"
	case Orange:
		return "Severe"
	case Yellow:
		return "Moderate"
	case Blue:
		return "Minor"
	}
	return "Unknown"
}

// LevelOfSeverity is the inverse of Severity, for imported messages; CAP's
// Unknown has no level and returns false.
func LevelOfSeverity(s string) (Level, bool) {
	for _, l := range Levels {
		if l.Severity() == s {
			return l, true
		}
	}
	return "", false
}

// Label is the level's Chinese name, e.g. 红色预警 (一级).
func (l Level) Label() string {
	switch l {
	case Red:
		return "红色"
	case Orange:
		return "橙色"
	case Yellow:
		return "黄色"
	case Blue:
		return "蓝色"
	}
	return ""
}

// Grade is the level's ordinal name (一级 … 四级).
func (l Level) Grade() string {
	switch l {
	case Red:
		return "一级"
	case Orange:
		return "二级"
	case Yellow:
		return "三级"
	case Blue:
		return "四级"
	}
	return ""
}

// Rank orders levels: blue 1 … red 4.
func (l Level) Rank() int {
	switch l {
	case Red:
		return 4
	case Orange:
		return 3
	case Yellow:
		return 2
	case Blue:
		return 1
	}
	return 0
}
