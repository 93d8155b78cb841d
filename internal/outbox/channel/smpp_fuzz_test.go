package channel

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// deliverSM builds a deliver_sm body as an SMSC sends a receipt.
func deliverSM(esm byte, text string, tlvs ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x00")            // service_type
	b.Write([]byte{1, 1})            // source ton, npi
	b.WriteString("13700001111\x00") // source_addr
	b.Write([]byte{0, 1})            // dest ton, npi
	b.WriteString("12379\x00")       // destination_addr
	b.Write([]byte{esm, 0, 0})       // esm_class, protocol_id, priority
	b.WriteString("\x00\x00")        // schedule, validity
	b.Write([]byte{0, 0, 0, 0, byte(len(text))})
	b.WriteString(text)
	for _, t := range tlvs {
		b.Write(t)
	}
	return b.Bytes()
}

func tlv(tag uint16, v []byte) []byte {
	out := make([]byte, 4+len(v))
	binary.BigEndian.PutUint16(out, tag)
	binary.BigEndian.PutUint16(out[2:], uint16(len(v)))
	copy(out[4:], v)
	return out
}

// The receipt format of SMPP 3.4 Appendix B.
func TestParseReceipt(t *testing.T) {
	rc, ok := parseReceipt(deliverSM(0x04, "id:7f3a sub:001 dlvrd:001 submit date:2611280800 done date:2611280801 stat:DELIVRD err:000 text:"))
	if !ok || rc.ref != "7f3a" || !rc.delivered {
		t.Fatalf("%+v %v", rc, ok)
	}
	rc, ok = parseReceipt(deliverSM(0x04, "id:1 stat:UNDELIV err:001", tlv(tlvReceiptedMessageID, []byte("abc\x00")), tlv(tlvMessageState, []byte{5})))
	if !ok || rc.ref != "abc" || rc.delivered || rc.reason != "SMSC receipt stat:UNDELIV err:001" {
		t.Fatalf("%+v %v", rc, ok)
	}
	if _, ok := parseReceipt(deliverSM(0x00, "hello, a mobile-originated message")); ok {
		t.Fatal("an MO message taken for a receipt")
	}
}

func FuzzParseReceipt(f *testing.F) {
	f.Add(deliverSM(0x04, "id:7f3a sub:001 dlvrd:001 stat:DELIVRD err:000 text:"))
	f.Add(deliverSM(0x04, "", tlv(tlvReceiptedMessageID, []byte("x\x00")), tlv(tlvMessageState, []byte{2})))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rc, ok := parseReceipt(b)
		if ok && rc.ref == "" {
			t.Fatal("a receipt without a reference")
		}
	})
}
