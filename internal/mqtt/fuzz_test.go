package mqtt

import (
	"strings"
	"testing"
)

// FuzzDeviceOf: the Subscriber takes the device from the topic's last
// level. Whatever a broker sends, the code it hands on is usable (no topic
// separator, wildcard or NUL, not empty), is the topic's end, and a
// device's own readings topic always names that device.
func FuzzDeviceOf(f *testing.F) {
	for _, s := range []string{ReadingsTopic("DEV-1"), "yingji/v1/readings/", "", "/", "a/b/c", "yingji/v1/readings/+", "x/\x00", "设备/监测-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		d, ok := deviceOf(topic)
		if !ok {
			if validDevice(d) {
				t.Fatalf("deviceOf(%q) refused the usable code %q", topic, d)
			}
			return
		}
		if d == "" || strings.ContainsAny(d, "/+#\x00") {
			t.Fatalf("deviceOf(%q) = %q: not a usable device code", topic, d)
		}
		if !strings.HasSuffix(topic, d) || (len(topic) > len(d) && topic[len(topic)-len(d)-1] != '/') {
			t.Fatalf("deviceOf(%q) = %q is not the topic's last level", topic, d)
		}
		if got, ok := deviceOf(ReadingsTopic(d)); !ok || got != d {
			t.Fatalf("deviceOf(ReadingsTopic(%q)) = %q, %v", d, got, ok)
		}
		if got, ok := deviceOf(CommandsTopic(d)); !ok || got != d {
			t.Fatalf("deviceOf(CommandsTopic(%q)) = %q, %v", d, got, ok)
		}
	})
}
