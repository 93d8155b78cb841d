package audit

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// An audit file is an export or an archive of the trail, made to be
// verified offline (`yingji audit verify --file`). Two formats:
//
//   - JSON Lines: a header object on the first line, then one entry per
//     line;
//   - CSV (UTF-8 with a byte-order mark): a row of column names, then the header as a row with seq 0 and
//     action "file_header" whose "after" holds the header object, then one
//     entry per row.
//
// Entries carry their hashes, and before and after as the exact text that
// was hashed (a JSON document inside a string), so re-encoding cannot
// change what is verified.

// FileVersion is the file format's version.
const FileVersion = 1

// Formats of an audit file.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// FileHeader describes an audit file.
type FileHeader struct {
	Version int    `json:"yingji_audit"`
	Kind    string `json:"kind"` // archive or export
	// Complete means the file holds every entry from the one after
	// PrevSeq on, without gaps: a missing entry is then an error. A
	// filtered export is not complete; its entries still verify one by
	// one, and runs of consecutive entries verify their links.
	Complete  bool      `json:"complete"`
	PrevSeq   int64     `json:"prev_seq"`
	PrevHash  string    `json:"prev_hash"`
	CreatedAt time.Time `json:"created_at"`
	// Filters are the export's filters, for the reader's information.
	Filters map[string]string `json:"filters,omitempty"`
	// FromSeq, ToSeq and Count are known ahead for archives (0 otherwise).
	FromSeq int64 `json:"from_seq,omitempty"`
	ToSeq   int64 `json:"to_seq,omitempty"`
	Count   int64 `json:"count,omitempty"`
}

// fileEntry is an entry as written to a file.
type fileEntry struct {
	Seq      int64  `json:"seq"`
	At       string `json:"at"`
	Alg      string `json:"alg"`
	ActorID  int64  `json:"actor_id"`
	Actor    string `json:"actor"`
	Action   string `json:"action"`
	Entity   string `json:"entity"`
	EntityID string `json:"entity_id"`
	Division string `json:"division_code"`
	Before   string `json:"before"`
	After    string `json:"after"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// fileTime keeps milliseconds, which the hash covers.
const fileTime = "2006-01-02T15:04:05.000Z07:00"

func toFile(e *Entry) fileEntry {
	alg := e.Alg
	if alg == "" {
		alg = SHA256
	}
	return fileEntry{e.Seq, e.At.UTC().Format(fileTime), alg, e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID, e.Division,
		string(e.Before), string(e.After), e.PrevHash, e.Hash}
}

func fromFile(f fileEntry) (Entry, error) {
	at, err := time.Parse(time.RFC3339Nano, f.At)
	if err != nil {
		return Entry{}, fmt.Errorf("at: %q is not an RFC 3339 time", f.At)
	}
	e := Entry{Seq: f.Seq, At: at.UTC(), ActorID: f.ActorID, Actor: f.Actor, Action: f.Action, Entity: f.Entity, EntityID: f.EntityID,
		Division: f.Division, PrevHash: f.PrevHash, Hash: f.Hash, Alg: f.Alg}
	if f.Before != "" {
		e.Before = json.RawMessage(f.Before)
	}
	if f.After != "" {
		e.After = json.RawMessage(f.After)
	}
	if e.Seq <= 0 {
		return Entry{}, fmt.Errorf("seq: %d is not a sequence number", f.Seq)
	}
	if newHash(e.Alg) == nil {
		return Entry{}, fmt.Errorf("alg: unknown hash algorithm %q", f.Alg)
	}
	return e, nil
}

// csvHeaderAction marks the CSV row that holds the file header.
const csvHeaderAction = "file_header"

// csvColumns are the CSV file's columns, in order.
var csvColumns = []string{"seq", "at", "alg", "actor_id", "actor", "action", "entity", "entity_id", "division_code", "before", "after", "prev_hash", "hash"}

// FileWriter writes an audit file.
type FileWriter struct {
	w      *bufio.Writer
	format string
	csv    *csv.Writer
	n      int64
}

// NewFileWriter writes the header; call Write for each entry, then Flush.
func NewFileWriter(w io.Writer, format string, h FileHeader) (*FileWriter, error) {
	h.Version = FileVersion
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	fw := &FileWriter{w: bufio.NewWriterSize(w, 64<<10), format: format}
	switch format {
	case FormatJSONL:
		fw.w.Write(head)
		fw.w.WriteByte('\n')
	case FormatCSV:
		// A byte-order mark, so that spreadsheets read the UTF-8 (as the
		// other CSV exports do).
		fw.w.WriteString("\ufeff")
		fw.csv = csv.NewWriter(fw.w)
		if err := fw.csv.Write(csvColumns); err != nil {
			return nil, err
		}
		if err := fw.csv.Write([]string{"0", h.CreatedAt.UTC().Format(fileTime), "", "0", "", csvHeaderAction, "audit", "", "", "", string(head), "", ""}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("audit: unknown file format %q (want jsonl or csv)", format)
	}
	return fw, nil
}

// Write adds one entry.
func (fw *FileWriter) Write(e *Entry) error {
	f := toFile(e)
	fw.n++
	if fw.csv != nil {
		return fw.csv.Write([]string{strconv.FormatInt(f.Seq, 10), f.At, f.Alg, strconv.FormatInt(f.ActorID, 10), f.Actor, f.Action,
			f.Entity, f.EntityID, f.Division, f.Before, f.After, f.PrevHash, f.Hash})
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	fw.w.Write(b)
	return fw.w.WriteByte('\n')
}

// Count is the number of entries written.
func (fw *FileWriter) Count() int64 { return fw.n }

// Flush writes out what is buffered.
func (fw *FileWriter) Flush() error {
	if fw.csv != nil {
		fw.csv.Flush()
		if err := fw.csv.Error(); err != nil {
			return err
		}
	}
	return fw.w.Flush()
}

// FileReader reads an audit file of either format.
type FileReader struct {
	Header FileHeader
	Format string
	r      *bufio.Reader
	csv    *csv.Reader
	line   int
}

// NewFileReader reads the header and tells the format from it.
func NewFileReader(r io.Reader) (*FileReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	fr := &FileReader{r: br, line: 1, Format: FormatJSONL}
	var head []byte
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	if peek, _ := br.Peek(4); string(peek) == "seq," {
		fr.Format = FormatCSV
		fr.csv = csv.NewReader(br)
		fr.csv.FieldsPerRecord = len(csvColumns)
		fr.csv.ReuseRecord = true
		cols, err := fr.csv.Read()
		if err != nil {
			return nil, fmt.Errorf("audit file: line 1: %w", err)
		}
		if strings.Join(cols, ",") != strings.Join(csvColumns, ",") {
			return nil, fmt.Errorf("audit file: line 1: the columns are %q, want %q", strings.Join(cols, ","), strings.Join(csvColumns, ","))
		}
		rec, err := fr.csv.Read()
		if err == io.EOF {
			return nil, fmt.Errorf("audit file: line 2: no header row")
		}
		if err != nil {
			return nil, fmt.Errorf("audit file: %w", err)
		}
		if rec[0] != "0" || rec[5] != csvHeaderAction {
			return nil, fmt.Errorf("audit file: line 2: the first row must be the file header (seq 0, action %s)", csvHeaderAction)
		}
		head = []byte(rec[10])
		fr.line = 2
	} else {
		first, err := br.ReadBytes('\n')
		if err != nil && !(errors.Is(err, io.EOF) && len(first) > 0) {
			return nil, fmt.Errorf("audit file: line 1: no header: %w", err)
		}
		head = first
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fr.Header); err != nil {
		return nil, fmt.Errorf("audit file: line %d: the header is not a Yingji audit header: %w", fr.line, err)
	}
	if fr.Header.Version != FileVersion {
		return nil, fmt.Errorf("audit file: line %d: yingji_audit: version %d is not %d", fr.line, fr.Header.Version, FileVersion)
	}
	if fr.Header.PrevSeq < 0 {
		return nil, fmt.Errorf("audit file: line %d: prev_seq: %d is negative", fr.line, fr.Header.PrevSeq)
	}
	return fr, nil
}

// Next returns the next entry, or io.EOF after the last.
func (fr *FileReader) Next() (Entry, error) {
	var f fileEntry
	if fr.csv != nil {
		rec, err := fr.csv.Read()
		if err == io.EOF {
			return Entry{}, io.EOF
		}
		if err != nil {
			return Entry{}, fmt.Errorf("audit file: %w", err)
		}
		line, _ := fr.csv.FieldPos(0)
		fr.line = line
		var e1, e2 error
		f.Seq, e1 = strconv.ParseInt(rec[0], 10, 64)
		f.ActorID, e2 = strconv.ParseInt(rec[3], 10, 64)
		if e1 != nil || e2 != nil {
			return Entry{}, fmt.Errorf("audit file: line %d: seq and actor_id must be integers (%q, %q)", line, rec[0], rec[3])
		}
		f.At, f.Alg, f.Actor, f.Action, f.Entity, f.EntityID, f.Division, f.Before, f.After, f.PrevHash, f.Hash =
			rec[1], rec[2], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9], rec[10], rec[11], rec[12]
	} else {
		for {
			b, err := fr.r.ReadBytes('\n')
			if len(b) == 0 && err != nil {
				if err == io.EOF {
					return Entry{}, io.EOF
				}
				return Entry{}, fmt.Errorf("audit file: line %d: %w", fr.line+1, err)
			}
			fr.line++
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				return Entry{}, fmt.Errorf("audit file: line %d: %w", fr.line, err)
			}
			break
		}
	}
	e, err := fromFile(f)
	if err != nil {
		return Entry{}, fmt.Errorf("audit file: line %d: %w", fr.line, err)
	}
	return e, nil
}

// Line is the line of the entry Next returned last.
func (fr *FileReader) Line() int { return fr.line }

// FileReport is what VerifyFile found.
type FileReport struct {
	Header  FileHeader
	Format  string
	Entries int64
	// FirstSeq links to FirstPrev; LastSeq ends with LastHash (the hash
	// the next file, or the database's anchor, must continue from).
	FirstSeq, LastSeq   int64
	FirstPrev, LastHash string
	// Gaps counts breaks in the sequence of an incomplete (filtered) file.
	Gaps int64
	// Algs counts entries per hash algorithm.
	Algs map[string]int64
}

// VerifyFile reads an audit file and checks every entry's hash, every link
// between consecutive entries, and, for a complete file, that it starts
// after the header's PrevSeq and has no gaps. Errors name the line and the
// entry.
func VerifyFile(r io.Reader) (FileReport, error) {
	fr, err := NewFileReader(r)
	if err != nil {
		return FileReport{}, err
	}
	rep := FileReport{Header: fr.Header, Format: fr.Format, Algs: map[string]int64{}}
	prevSeq, prev := fr.Header.PrevSeq, fr.Header.PrevHash
	for {
		e, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		switch {
		case rep.Entries > 0 && e.Seq <= prevSeq:
			return rep, fmt.Errorf("audit file: line %d: entry %d comes after entry %d: the entries are out of order", fr.Line(), e.Seq, prevSeq)
		case e.Seq != prevSeq+1 && fr.Header.Complete:
			return rep, fmt.Errorf("audit file: line %d: entry %d follows %d: entries are missing", fr.Line(), e.Seq, prevSeq)
		case e.Seq != prevSeq+1:
			if rep.Entries > 0 {
				rep.Gaps++
			}
		case e.PrevHash != prev && (rep.Entries > 0 || fr.Header.Complete):
			return rep, fmt.Errorf("audit file: line %d: entry %d does not link to entry %d", fr.Line(), e.Seq, prevSeq)
		}
		if ComputeHash(&e) != e.Hash {
			return rep, fmt.Errorf("audit file: line %d: entry %d was altered (its hash does not match its content)", fr.Line(), e.Seq)
		}
		if rep.Entries == 0 {
			rep.FirstSeq, rep.FirstPrev = e.Seq, e.PrevHash
		}
		rep.Entries++
		rep.Algs[e.Alg]++
		prevSeq, prev = e.Seq, e.Hash
		rep.LastSeq, rep.LastHash = e.Seq, e.Hash
	}
	if fr.Header.Count > 0 && rep.Entries != fr.Header.Count {
		return rep, fmt.Errorf("audit file: the header announces %d entries (%d–%d) but the file holds %d: entries at the end are missing",
			fr.Header.Count, fr.Header.FromSeq, fr.Header.ToSeq, rep.Entries)
	}
	if fr.Header.ToSeq > 0 && rep.LastSeq != fr.Header.ToSeq {
		return rep, fmt.Errorf("audit file: the header says the file ends at entry %d but it ends at %d", fr.Header.ToSeq, rep.LastSeq)
	}
	return rep, nil
}
