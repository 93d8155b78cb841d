package channel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/yingji/yingji/internal/outbox"
)

// SMPP 3.4 command ids and the fields this client uses.
const (
	smppBindTransceiver     = 0x00000009
	smppBindTransceiverResp = 0x80000009
	smppSubmitSM            = 0x00000004
	smppSubmitSMResp        = 0x80000004
	smppDeliverSM           = 0x00000005
	smppDeliverSMResp       = 0x80000005
	smppEnquireLink         = 0x00000015
	smppEnquireLinkResp     = 0x80000015
	smppUnbind              = 0x00000006
	smppUnbindResp          = 0x80000006
	smppGenericNack         = 0x80000000

	tlvReceiptedMessageID = 0x001E
	tlvMessageState       = 0x0427
	tlvMessagePayload     = 0x0424
)

// SMPPSender submits SMS to an SMPP 3.4 message centre over one
// bind_transceiver session, and turns its deliver_sm delivery receipts
// into outbox receipts. Texts that are not plain ASCII go as UCS-2
// (data_coding 8); texts longer than one short message (140 bytes) go in
// the message_payload TLV, so each warning is one message id with one
// receipt. SMPP 3.4 has no client reference wide enough for an
// idempotency key, so after a crash a leased row may be sent again.
type SMPPSender struct {
	Addr                 string
	SystemID, Password   string
	SystemType           string
	SourceAddr           string
	SourceTON, SourceNPI byte
	// Sign is the SMS signature (短信签名) put before the text.
	Sign string
	// Receipt records a delivery receipt; an error (not found yet: the
	// row's reference may not be stored yet) keeps it for a retry.
	Receipt func(ref string, delivered bool, reason string) error

	mu      sync.Mutex // one connect at a time
	wmu     sync.Mutex // the connection, writes and answers awaited
	conn    net.Conn
	w       *bufio.Writer
	seq     uint32
	waiting map[uint32]chan pdu
	rmu     sync.Mutex // receipts waiting for their rows
	pending []receipt
}

type pdu struct {
	id, status, seq uint32
	body            []byte
}

type receipt struct {
	ref       string
	delivered bool
	reason    string
	since     time.Time
}

func (s *SMPPSender) Channel() outbox.Channel { return outbox.SMS }

func cstring(b *bytes.Buffer, s string) { b.WriteString(s); b.WriteByte(0) }

func (s *SMPPSender) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cstring(&b, s.SystemID)
	cstring(&b, s.Password)
	cstring(&b, s.SystemType)
	b.WriteByte(0x34) // interface_version 3.4
	b.WriteByte(0)    // addr_ton
	b.WriteByte(0)    // addr_npi
	cstring(&b, "")   // address_range
	s.wmu.Lock()
	s.conn, s.w, s.waiting = c, bufio.NewWriter(c), map[uint32]chan pdu{}
	ch := s.request(smppBindTransceiver, b.Bytes())
	s.wmu.Unlock()
	go s.read(c)
	drop := func() { s.wmu.Lock(); s.drop(c); s.wmu.Unlock() }
	select {
	case p, ok := <-ch:
		if !ok {
			return errors.New("smpp bind: connection closed")
		}
		if p.id != smppBindTransceiverResp || p.status != 0 {
			drop()
			return &outbox.Permanent{Err: fmt.Errorf("smpp bind refused: command %#x status %#x", p.id, p.status)}
		}
		go s.keepAlive(c)
		return nil
	case <-time.After(15 * time.Second):
		drop()
		return errors.New("smpp bind: no answer")
	case <-ctx.Done():
		drop()
		return ctx.Err()
	}
}

// request writes a PDU and returns where its answer arrives; s.wmu is held.
func (s *SMPPSender) request(id uint32, body []byte) chan pdu {
	s.seq++
	ch := make(chan pdu, 1)
	s.waiting[s.seq] = ch
	s.write(id, 0, s.seq, body)
	return ch
}

func (s *SMPPSender) write(id, status, seq uint32, body []byte) {
	var h [16]byte
	binary.BigEndian.PutUint32(h[0:], uint32(16+len(body)))
	binary.BigEndian.PutUint32(h[4:], id)
	binary.BigEndian.PutUint32(h[8:], status)
	binary.BigEndian.PutUint32(h[12:], seq)
	s.w.Write(h[:])
	s.w.Write(body)
	s.w.Flush()
}

func (s *SMPPSender) drop(c net.Conn) {
	c.Close()
	if s.conn == c {
		s.conn = nil
		for _, ch := range s.waiting {
			close(ch)
		}
		s.waiting = nil
	}
}

// keepAlive sends enquire_link every 30 s and places waiting receipts
// every second.
func (s *SMPPSender) keepAlive(c net.Conn) {
	for i := 1; ; i++ {
		time.Sleep(time.Second)
		s.wmu.Lock()
		if s.conn != c {
			s.wmu.Unlock()
			return
		}
		if i%30 == 0 {
			s.request(smppEnquireLink, nil)
		}
		s.wmu.Unlock()
		s.retryReceipts()
	}
}

func (s *SMPPSender) read(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		var h [16]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			break
		}
		n := binary.BigEndian.Uint32(h[0:])
		if n < 16 || n > 1<<16 {
			break
		}
		p := pdu{id: binary.BigEndian.Uint32(h[4:]), status: binary.BigEndian.Uint32(h[8:]), seq: binary.BigEndian.Uint32(h[12:]), body: make([]byte, n-16)}
		if _, err := io.ReadFull(r, p.body); err != nil {
			break
		}
		s.wmu.Lock()
		switch {
		case p.id == smppDeliverSM:
			s.write(smppDeliverSMResp, 0, p.seq, []byte{0})
			if rc, ok := parseReceipt(p.body); ok {
				rc.since = time.Now()
				s.wmu.Unlock()
				s.rmu.Lock()
				s.pending = append(s.pending, rc)
				s.rmu.Unlock()
				s.retryReceipts()
				continue
			}
		case p.id == smppEnquireLink:
			s.write(smppEnquireLinkResp, 0, p.seq, nil)
		case p.id == smppUnbind:
			s.write(smppUnbindResp, 0, p.seq, nil)
		case p.id&0x80000000 != 0:
			if ch, ok := s.waiting[p.seq]; ok {
				delete(s.waiting, p.seq)
				ch <- p
			}
		}
		s.wmu.Unlock()
	}
	s.wmu.Lock()
	s.drop(c)
	s.wmu.Unlock()
}

// retryReceipts hands pending receipts to Receipt, keeping those it
// cannot place yet for up to ten minutes.
func (s *SMPPSender) retryReceipts() {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.Receipt == nil {
		s.pending = nil
		return
	}
	keep := s.pending[:0]
	for _, rc := range s.pending {
		if err := s.Receipt(rc.ref, rc.delivered, rc.reason); err != nil && time.Since(rc.since) < 10*time.Minute {
			keep = append(keep, rc)
		}
	}
	s.pending = keep
}

// PendingReceipts is how many receipts wait for their rows.
func (s *SMPPSender) PendingReceipts() int {
	s.retryReceipts()
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return len(s.pending)
}

// parseReceipt reads a deliver_sm body; ok when it is a delivery receipt.
func parseReceipt(b []byte) (receipt, bool) {
	var rc receipt
	skipC := func() bool {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return false
		}
		b = b[i+1:]
		return true
	}
	// service_type, source ton/npi/addr, dest ton/npi/addr
	if !skipC() || len(b) < 2 {
		return rc, false
	}
	b = b[2:]
	if !skipC() || len(b) < 2 {
		return rc, false
	}
	b = b[2:]
	if !skipC() || len(b) < 3 {
		return rc, false
	}
	esm := b[0]
	b = b[3:] // esm_class, protocol_id, priority_flag
	if !skipC() || !skipC() || len(b) < 5 {
		return rc, false
	}
	smLen := int(b[4])
	b = b[5:] // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
	if len(b) < smLen || esm&0x3C != 0x04 {
		return rc, false
	}
	text := string(b[:smLen])
	b = b[smLen:]
	state := -1
	for len(b) >= 4 {
		tag, l := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+l {
			break
		}
		v := b[4 : 4+l]
		switch tag {
		case tlvReceiptedMessageID:
			rc.ref = strings.TrimRight(string(v), "\x00")
		case tlvMessageState:
			if l == 1 {
				state = int(v[0])
			}
		}
		b = b[4+l:]
	}
	field := func(name string) string {
		i := strings.Index(text, name+":")
		if i < 0 {
			return ""
		}
		rest := text[i+len(name)+1:]
		if j := strings.IndexByte(rest, ' '); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	if rc.ref == "" {
		rc.ref = field("id")
	}
	stat := field("stat")
	switch {
	case state == 2 || stat == "DELIVRD":
		rc.delivered = true
	default:
		rc.reason = fmt.Sprintf("SMSC receipt stat:%s err:%s", stat, field("err"))
	}
	return rc, rc.ref != ""
}

// encodeText returns the short message bytes and data_coding.
func encodeText(t string) ([]byte, byte) {
	ascii := true
	for _, r := range t {
		if r > 0x7E || (r < 0x20 && r != '\n' && r != '\r') {
			ascii = false
			break
		}
	}
	if ascii {
		return []byte(t), 0x01 // IA5
	}
	u := utf16.Encode([]rune(t))
	out := make([]byte, 2*len(u))
	for i, c := range u {
		binary.BigEndian.PutUint16(out[2*i:], c)
	}
	return out, 0x08 // UCS-2
}

// Send submits one message (submit_sm) and returns the message centre's
// message id as the reference its receipt will name.
func (s *SMPPSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	text, coding := encodeText(SMSText(s.Sign, m))
	var b bytes.Buffer
	cstring(&b, "") // service_type
	b.WriteByte(s.SourceTON)
	b.WriteByte(s.SourceNPI)
	cstring(&b, s.SourceAddr)
	b.WriteByte(0) // dest ton: unknown (national number)
	b.WriteByte(1) // dest npi: ISDN
	cstring(&b, c.Phone)
	b.WriteByte(0) // esm_class
	b.WriteByte(0) // protocol_id
	prio := byte(0)
	if m.Level == "red" || m.Level == "orange" {
		prio = 1
	}
	b.WriteByte(prio)
	cstring(&b, "") // schedule_delivery_time
	cstring(&b, "") // validity_period
	b.WriteByte(1)  // registered_delivery: receipt on success or failure
	b.WriteByte(0)  // replace_if_present
	b.WriteByte(coding)
	b.WriteByte(0) // sm_default_msg_id
	if len(text) <= 140 {
		b.WriteByte(byte(len(text)))
		b.Write(text)
	} else {
		b.WriteByte(0)
		var tlv [4]byte
		binary.BigEndian.PutUint16(tlv[0:], tlvMessagePayload)
		binary.BigEndian.PutUint16(tlv[2:], uint16(len(text)))
		b.Write(tlv[:])
		b.Write(text)
	}
	s.mu.Lock()
	s.wmu.Lock()
	up := s.conn != nil
	s.wmu.Unlock()
	if !up {
		if err := s.connect(ctx); err != nil {
			s.mu.Unlock()
			return false, "", err
		}
	}
	s.mu.Unlock()
	s.wmu.Lock()
	if s.conn == nil {
		s.wmu.Unlock()
		return false, "", errors.New("smpp: connection lost")
	}
	ch := s.request(smppSubmitSM, b.Bytes())
	s.wmu.Unlock()
	select {
	case p, ok := <-ch:
		if !ok {
			return false, "", errors.New("smpp: connection lost before submit_sm_resp")
		}
		switch {
		case p.id == smppGenericNack:
			return false, "", fmt.Errorf("smpp: generic_nack %#x", p.status)
		case p.status == 0:
			return false, strings.TrimRight(string(p.body), "\x00"), nil
		case p.status == 0x58 || p.status == 0x14 || p.status == 0x08: // throttled, queue full, system error
			return false, "", fmt.Errorf("smpp: submit_sm status %#x (temporary)", p.status)
		default:
			return false, "", &outbox.Permanent{Err: fmt.Errorf("smpp: submit_sm refused with status %#x", p.status)}
		}
	case <-time.After(30 * time.Second):
		return false, "", errors.New("smpp: no submit_sm_resp")
	case <-ctx.Done():
		return false, "", ctx.Err()
	}
}

// Close unbinds.
func (s *SMPPSender) Close() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.conn != nil {
		s.request(smppUnbind, nil)
		c := s.conn
		time.AfterFunc(200*time.Millisecond, func() { c.Close() })
	}
}
