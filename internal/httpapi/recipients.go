package httpapi

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
)

// Recipients is what the API needs for warning recipients, targeting and
// delivery (issue 6).
type Recipients struct {
	Service *outbox.Service
	// VAPIDPublicKey is the application server key browsers subscribe with.
	VAPIDPublicKey string
	// ReceiptSecret authenticates the HTTP SMS gateway's delivery reports
	// (header X-Yingji-Receipt-Secret); "" turns the callback off.
	ReceiptSecret string
}

// recipientRoutes are the recipients and delivery routes.
func (s *Server) recipientRoutes() []Route {
	if s.Recipients == nil {
		return nil
	}
	h := &recipientHandler{s: s, svc: s.Recipients.Service}
	return []Route{
		{"GET", "/api/v1/recipients", auth.RecipientsManage, "Warning recipients in your area (contacts masked)", h.list},
		{"POST", "/api/v1/recipients", auth.RecipientsManage, "Add a warning recipient", h.create},
		{"POST", "/api/v1/recipients/import", auth.RecipientsManage, "Import recipients from CSV or .xlsx, all or none", h.importFile},
		{"GET", "/api/v1/recipients/{id}", auth.RecipientsManage, "A recipient (contacts masked)", h.get},
		{"PATCH", "/api/v1/recipients/{id}", auth.RecipientsManage, "Change a recipient (If-Match: the version you read)", h.update},
		{"DELETE", "/api/v1/recipients/{id}", auth.RecipientsManage, "Remove a recipient", h.remove},
		{"POST", "/api/v1/warnings/dry-run", auth.WarningsDraft, "Resolve a warning area to recipients and population without sending", h.dryRun},
		{"GET", "/api/v1/warnings/{id}/delivery", auth.WarningsRead, "A warning's delivery per channel and division, people reached and coverage", h.delivery},
		{"GET", "/api/v1/webpush/vapid-public-key", auth.Authenticated, "The VAPID application server key for Web Push subscriptions", h.vapidKey},
		{"POST", "/api/v1/webpush/subscriptions", auth.Authenticated, "Receive warnings in this browser: store its Push API subscription on your recipient record", h.subscribe},
		{"DELETE", "/api/v1/webpush/subscriptions", auth.Authenticated, "Stop Web Push warnings to your browser", h.unsubscribe},
		{"POST", "/api/v1/delivery/sms-receipts", "", "Delivery reports from the HTTP SMS gateway (shared secret in X-Yingji-Receipt-Secret)", h.smsReceipt},
	}
}

type recipientHandler struct {
	s   *Server
	svc *outbox.Service
}

// recipientInput is a recipient as clients send it.
type recipientInput struct {
	outbox.Recipient
	// Clear lists stored contacts to remove on PATCH (phone, email, push, webhook);
	// contacts left empty are kept, as lists only show them masked.
	Clear []string `json:"clear"`
}

func (h *recipientHandler) decode(w http.ResponseWriter, r *http.Request) (recipientInput, bool) {
	var in recipientInput
	in.Enabled = true
	body, err := readBody(w, r, 1<<20)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if e := dec.Decode(&in); e != nil {
			err = core.Invalid("body", "malformed JSON: %v", e)
		}
	}
	if err != nil {
		h.s.fail(w, r, err)
		return in, false
	}
	return in, true
}

func (h *recipientHandler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := outbox.Filter{Division: q.Get("division"), Kind: q.Get("kind"), Query: q.Get("q"), Phone: q.Get("phone")}
	var err error
	if f.Limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit); err == nil {
		f.Offset, err = intParam(q, "offset", 0, 0, 1<<30)
	}
	if err == nil && f.Kind != "" && outbox.KindIndex(f.Kind) < 0 {
		err = core.Invalid("kind", "%q is not a recipient kind", f.Kind)
	}
	if v := q.Get("channel"); err == nil && v != "" {
		c, ok := outbox.ParseChannel(v)
		if !ok {
			err = core.Invalid("channel", "%q is not one of sms, email, webpush, webhook, mqtt, inbox", v)
		}
		f.Channel = c
	}
	if err == nil && f.Division != "" {
		if _, ok := h.s.Regions.Tree().Get(f.Division); !ok {
			err = core.Invalid("division", "%q is not a known division", f.Division)
		}
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	items, total, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if items == nil {
		items = []*outbox.Recipient{}
	}
	writeJSON(w, http.StatusOK, List[*outbox.Recipient]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (h *recipientHandler) create(w http.ResponseWriter, r *http.Request) {
	in, ok := h.decode(w, r)
	if !ok {
		return
	}
	out, err := h.svc.Create(r.Context(), in.Recipient)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (h *recipientHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var out *outbox.Recipient
		if out, err = h.svc.Get(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	h.s.fail(w, r, err)
}

func (h *recipientHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	in, ok := h.decode(w, r)
	if !ok {
		return
	}
	if in.Version, err = ifMatch(r, in.Version); err != nil {
		h.s.fail(w, r, err)
		return
	}
	out, err := h.svc.Update(r.Context(), id, in.Recipient, in.Version, in.Clear)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *recipientHandler) remove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		if err = h.svc.Delete(r.Context(), id); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	h.s.fail(w, r, err)
}

// importFile takes text/csv, an .xlsx body, or a multipart form with a
// "file" part (CSV or .xlsx by its name).
func (h *recipientHandler) importFile(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	var data []byte
	var xlsx bool
	var err error
	if strings.HasPrefix(ct, "multipart/form-data") {
		if e := parseMultipart(w, r, 64<<20, "file"); e != nil {
			h.s.fail(w, r, e)
			return
		}
		f, hdr, e := r.FormFile("file")
		if e != nil {
			h.s.fail(w, r, core.Invalid("file", "a multipart part named file is required"))
			return
		}
		defer f.Close()
		buf := new(bytes.Buffer)
		_, err = buf.ReadFrom(f)
		data, xlsx = buf.Bytes(), strings.HasSuffix(strings.ToLower(hdr.Filename), ".xlsx")
	} else {
		data, err = readBody(w, r, 64<<20)
		xlsx = strings.Contains(ct, "spreadsheetml")
	}
	if err != nil {
		if e := tooLarge(err); e != nil {
			err = e
		} else if core.ErrorCode(err) != core.EINVALID {
			err = core.Invalid("file", "could not be read: %v", err)
		}
		h.s.fail(w, r, err)
		return
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		xlsx = true
	}
	var rs []outbox.Recipient
	if xlsx {
		rs, err = outbox.ParseXLSX(bytes.NewReader(data))
	} else {
		rs, err = outbox.ParseCSV(bytes.NewReader(data))
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	n, err := h.svc.Import(r.Context(), rs)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"imported": n})
}

// AreaInput is a warning area as the draft holds it.
type AreaInput struct {
	Geometry  json.RawMessage `json:"geometry"`
	Circles   []CircleInput   `json:"circles"`
	Divisions []string        `json:"divisions"`
}

// CircleInput is a circle in an area.
type CircleInput struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	RadiusM float64 `json:"radius_m"`
}

// ParseArea turns the JSON area into the outbox's.
func ParseArea(in AreaInput) (outbox.Area, error) {
	a := outbox.Area{Divisions: in.Divisions}
	for _, c := range in.Circles {
		a.Circles = append(a.Circles, outbox.Circle{Lon: c.Lon, Lat: c.Lat, RadiusM: c.RadiusM})
	}
	if g := bytes.TrimSpace(in.Geometry); len(g) > 0 && string(g) != "null" {
		geom, err := geojson.UnmarshalGeometry(g)
		if err != nil {
			return a, core.Invalid("area.geometry", "not a GeoJSON geometry: %v", err)
		}
		switch v := geom.Geometry().(type) {
		case orb.Polygon:
			a.Polygons = orb.MultiPolygon{v}
		case orb.MultiPolygon:
			a.Polygons = v
		default:
			return a, core.Invalid("area.geometry", "must be a Polygon or MultiPolygon, not %s", geom.Geometry().GeoJSONType())
		}
		for _, p := range a.Polygons {
			for _, ring := range p {
				if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
					return a, core.Invalid("area.geometry", "each ring needs at least 4 positions, the last equal to the first")
				}
				for _, pt := range ring {
					if math.IsNaN(pt[0]) || pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
						return a, core.Invalid("area.geometry", "position %v is not a longitude, latitude", pt)
					}
				}
			}
		}
	}
	return a, nil
}

func (h *recipientHandler) dryRun(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Area AreaInput `json:"area"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	a, err := ParseArea(in.Area)
	if err == nil {
		var t outbox.Targeting
		if t, err = h.svc.DryRun(r.Context(), a); err == nil {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	h.s.fail(w, r, err)
}

func (h *recipientHandler) delivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil && h.s.Warnings != nil && h.s.Warnings.Service != nil {
		// the figures are the warning's: only where the warning may be read
		_, err = h.s.Warnings.Service.Get(r.Context(), id)
	}
	if err == nil {
		var st outbox.Stats
		if st, err = h.svc.Stats(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, st)
			return
		}
	}
	h.s.fail(w, r, err)
}

func (h *recipientHandler) vapidKey(w http.ResponseWriter, r *http.Request) {
	if h.s.Recipients.VAPIDPublicKey == "" {
		h.s.fail(w, r, core.Errorf(core.EUNAVAILABLE, "Web Push is not configured"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": h.s.Recipients.VAPIDPublicKey})
}

func (h *recipientHandler) subscribe(w http.ResponseWriter, r *http.Request) {
	var sub outbox.PushSubscription
	if err := decodeJSON(w, r, &sub); err != nil {
		h.s.fail(w, r, err)
		return
	}
	out, err := h.svc.Subscribe(r.Context(), sub)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *recipientHandler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Unsubscribe(r.Context()); err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// SMSReceipt is one delivery report from the HTTP SMS gateway.
type SMSReceipt struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"` // delivered, failed (or DELIVRD, UNDELIV…)
	Error     string `json:"error"`
}

func (h *recipientHandler) smsReceipt(w http.ResponseWriter, r *http.Request) {
	secret := h.s.Recipients.ReceiptSecret
	got := r.Header.Get("X-Yingji-Receipt-Secret")
	if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		h.s.fail(w, r, core.Errorf(core.EUNAUTHORIZED, "wrong or missing X-Yingji-Receipt-Secret"))
		return
	}
	var in struct {
		Receipts []SMSReceipt `json:"receipts"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	var ps core.Problems
	n := 0
	for i, rc := range in.Receipts {
		var ok bool
		switch strings.ToLower(rc.Status) {
		case "delivered", "delivrd":
			ok = true
		case "failed", "undeliv", "rejectd", "expired":
		default:
			ps.Add(i+1, "status", "%q is not delivered or failed", rc.Status)
			continue
		}
		if err := h.svc.Receipt(core.WithActor(r.Context(), core.SystemActor), outbox.SMS, rc.MessageID, ok, rc.Error); err != nil {
			ps.Add(i+1, "message_id", "%s", core.ErrorMessage(err))
			continue
		}
		n++
	}
	if len(ps) > 0 && n == 0 {
		h.s.fail(w, r, ps.Err("no receipt matched"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recorded": n, "errors": nonNil(ps)})
}

func nonNil(ps core.Problems) []core.FieldError {
	if ps == nil {
		return []core.FieldError{}
	}
	return ps
}

// recipientOps say what each of those routes takes and returns.
var recipientOps = map[string]opSpec{
	"GET /api/v1/recipients": {response: "RecipientList", query: []obj{query("division", "this division and below", str()), query("kind", "recipient kind", str()),
		query("channel", "sms, email, webpush, webhook, mqtt or inbox", str()), query("q", "name contains", str()),
		query("phone", "exact phone number (matched by keyed hash)", str()), query("limit", "", integer()), query("offset", "", integer())}},
	"POST /api/v1/recipients":              {request: "RecipientInput", response: "Recipient", status: "201"},
	"POST /api/v1/recipients/import":       {response: "RecipientImport", status: "201"},
	"GET /api/v1/recipients/{id}":          {response: "Recipient"},
	"PATCH /api/v1/recipients/{id}":        {request: "RecipientInput", response: "Recipient"},
	"DELETE /api/v1/recipients/{id}":       {status: "204"},
	"POST /api/v1/warnings/dry-run":        {request: "DryRunRequest", response: "Targeting"},
	"GET /api/v1/warnings/{id}/delivery":   {response: "DeliveryStats"},
	"GET /api/v1/webpush/vapid-public-key": {response: "VAPIDKey"},
	"POST /api/v1/webpush/subscriptions":   {request: "PushSubscription", response: "Recipient"},
	"DELETE /api/v1/webpush/subscriptions": {status: "204"},
	"POST /api/v1/delivery/sms-receipts":   {request: "SMSReceipts", response: "ReceiptResult"},
}

// recipientSchemas adds the area's component schemas.
func recipientSchemas(schemas obj) {
	kinds := make([]string, len(outbox.Kinds))
	for i, k := range outbox.Kinds {
		kinds[i] = k.Name
	}
	channels := []string{"sms", "email", "webpush", "webhook", "mqtt", "inbox"}
	push := object([]string{"endpoint"}, obj{"endpoint": str(), "keys": object(nil, obj{"p256dh": str(), "auth": str()})})
	rec := object([]string{"id", "kind", "name", "division_code", "channels", "version"}, obj{
		"id": integer(), "kind": obj{"type": "string", "enum": kinds}, "name": str(), "division_code": str(),
		"lon": nullable("number"), "lat": nullable("number"), "follows": arrayOf(str()),
		"phone": obj{"type": "string", "description": "masked, e.g. 138****1234"}, "email": obj{"type": "string", "description": "masked, e.g. a***@x.cn"},
		"push": push, "app_user": str(), "webhook": obj{"type": "string", "description": "scheme and host only"}, "topic": str(),
		"enabled": obj{"type": "boolean"}, "channels": arrayOf(obj{"type": "string", "enum": channels}), "note": str(),
		"version": integer(), "created_at": dateTime(), "updated_at": dateTime()})
	rec["additionalProperties"] = false
	schemas["Recipient"] = rec
	in := object([]string{"kind", "name"}, obj{
		"kind": obj{"type": "string", "enum": kinds}, "name": str(), "division_code": obj{"type": "string", "description": "derived from lon/lat when left out"},
		"lon": nullable("number"), "lat": nullable("number"), "follows": arrayOf(str()),
		"phone": obj{"type": "string", "description": "mainland mobile or fixed line; empty keeps the stored one on PATCH"},
		"email": str(), "push": push, "app_user": str(), "webhook": str(), "topic": obj{"type": "string", "description": "loudspeaker groups: MQTT topic"},
		"enabled": obj{"type": "boolean"}, "note": str(), "version": integer(),
		"clear": arrayOf(obj{"type": "string", "enum": []string{"phone", "email", "push", "webhook"}})})
	schemas["RecipientInput"] = in
	schemas["RecipientList"] = listOf(ref("Recipient"))
	schemas["PushSubscription"] = object([]string{"endpoint", "keys"}, obj{"endpoint": str(), "keys": object([]string{"p256dh", "auth"}, obj{"p256dh": str(), "auth": str()})})
	schemas["VAPIDKey"] = object([]string{"public_key"}, obj{"public_key": str()})
	schemas["RecipientImport"] = object([]string{"imported"}, obj{"imported": integer()})
	// The dry run takes a warning's area: WarningArea (warnings.go).
	schemas["DryRunRequest"] = object([]string{"area"}, obj{"area": ref("WarningArea")})
	cc := object([]string{"channel", "recipients"}, obj{"channel": str(), "recipients": integer()})
	schemas["Targeting"] = object([]string{"recipients", "messages", "channels", "divisions", "population"}, obj{
		"recipients": integer(), "messages": integer(), "loudspeakers": integer(), "population": integer(), "enqueued": obj{"type": "boolean"},
		"channels": arrayOf(cc),
		"divisions": arrayOf(object([]string{"code", "name", "recipients", "population"}, obj{"code": str(), "name": str(), "recipients": integer(),
			"messages": integer(), "channels": arrayOf(cc), "population": integer()}))})
	counts := obj{"queued": integer(), "sent": integer(), "delivered": integer(), "failed": integer()}
	chs := obj{"channel": str()}
	divs := obj{"code": str(), "name": str(), "population": integer(), "people_reached": integer()}
	for k, v := range counts {
		chs[k], divs[k] = v, v
	}
	schemas["DeliveryStats"] = object([]string{"warning_id", "channels", "divisions", "people_reached", "population", "coverage", "goal"}, obj{
		"warning_id": integer(), "channels": arrayOf(object([]string{"channel", "queued", "sent", "delivered", "failed"}, chs)),
		"divisions":      arrayOf(object([]string{"code", "name", "queued", "sent", "delivered", "failed", "population"}, divs)),
		"people_reached": integer(), "population": integer(), "coverage": obj{"type": "number", "minimum": 0, "maximum": 1}, "goal": number()})
	schemas["SMSReceipts"] = object([]string{"receipts"}, obj{"receipts": arrayOf(object([]string{"message_id", "status"},
		obj{"message_id": str(), "status": str(), "error": str()}))})
	schemas["ReceiptResult"] = object([]string{"recorded"}, obj{"recorded": integer(), "errors": arrayOf(ref("FieldError"))})
}
