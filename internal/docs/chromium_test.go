package docs_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromiumFlags start Debian's chromium headless, offline and quiet: without
// the background-networking flags it keeps calling Google's hosts, which a
// closed network refuses.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars",
	"--remote-debugging-pipe",
}

// browser is headless Chromium driven over the DevTools protocol. With
// --remote-debugging-pipe, Chromium reads commands on fd 3 and writes replies
// and events on fd 4, each a JSON message ended by a NUL byte, which needs
// no WebSocket client.
type browser struct {
	cmd    *exec.Cmd
	stderr lockedBuilder

	writing  sync.Mutex
	commands *os.File // our end of fd 3

	mu      sync.Mutex
	nextID  int
	replies map[int]chan cdpMessage
	// listeners receive the events of one page session, by session id.
	listeners map[string]func(cdpMessage)
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromiumPath finds the browser: $CHROMIUM, else chromium on PATH. .ci/run
// installs Debian's chromium, so CI never skips this test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("CHROMIUM"); path != "" {
		return path
	}
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	const hint = "no chromium on PATH: install Debian's (apt-get install chromium), or set CHROMIUM to a Chrome or Chromium binary"
	if os.Getenv("CI") != "" {
		t.Fatal(hint)
	}
	t.Skip(hint)
	return ""
}

// startBrowser starts Chromium with a fresh profile and a window of the
// given size; it is closed when the test ends.
func startBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	commandsRead, commandsWrite, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	eventsRead, eventsWrite, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, chromiumFlags...),
		"--user-data-dir="+t.TempDir(), fmt.Sprintf("--window-size=%d,%d", width, height), "about:blank")
	b := &browser{
		cmd:       exec.Command(chromiumPath(t), args...),
		commands:  commandsWrite,
		replies:   map[int]chan cdpMessage{},
		listeners: map[string]func(cdpMessage){},
	}
	b.cmd.ExtraFiles = []*os.File{commandsRead, eventsWrite} // fd 3, fd 4
	b.cmd.Stderr = &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", b.cmd.Path, err)
	}
	_ = commandsRead.Close()
	_ = eventsWrite.Close()
	exited := make(chan struct{})
	go func() {
		b.read(eventsRead)
		close(exited)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = b.call(ctx, "", "Browser.close", nil)
		select {
		case <-exited:
		case <-ctx.Done():
			_ = b.cmd.Process.Kill()
		}
		_ = b.cmd.Wait()
		_ = commandsWrite.Close()
		if t.Failed() {
			t.Logf("chromium's stderr:\n%s", b.log())
		}
	})
	return b
}

func (b *browser) read(events *os.File) {
	defer events.Close()
	r := bufio.NewReader(events)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, reply := range b.replies {
				close(reply)
				delete(b.replies, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if reply, ok := b.replies[m.ID]; ok && m.ID != 0 {
			delete(b.replies, m.ID)
			reply <- m
		} else if listen := b.listeners[m.SessionID]; listen != nil && m.Method != "" {
			listen(m)
		}
		b.mu.Unlock()
	}
}

// call sends one command, to the browser or to a page session, and returns
// its result.
func (b *browser) call(ctx context.Context, sessionID, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	reply := make(chan cdpMessage, 1)
	b.replies[id] = reply
	encodedParams, _ := json.Marshal(params)
	if params == nil {
		encodedParams = []byte("{}")
	}
	b.mu.Unlock()
	msg, _ := json.Marshal(cdpMessage{ID: id, SessionID: sessionID, Method: method, Params: encodedParams})
	b.writing.Lock()
	_, err := b.commands.Write(append(msg, 0))
	b.writing.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-reply:
		if !ok {
			return nil, fmt.Errorf("%s: chromium exited", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *browser) log() string {
	b.stderr.mu.Lock()
	defer b.stderr.mu.Unlock()
	return b.stderr.b.String()
}

// page is one tab, and what it has reported since it opened.
type page struct {
	b         *browser
	sessionID string

	mu       sync.Mutex
	errors   []string // console errors, uncaught exceptions, failed loads
	requests []string // every URL the page asked for
}

// open makes a new tab that listens to its console and network, then
// navigates it to url.
func (b *browser) open(ctx context.Context, url string) (*page, error) {
	created, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return nil, err
	}
	var target struct{ TargetID string }
	_ = json.Unmarshal(created, &target)
	attached, err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		return nil, err
	}
	var session struct{ SessionID string }
	_ = json.Unmarshal(attached, &session)
	p := &page{b: b, sessionID: session.SessionID}
	b.mu.Lock()
	b.listeners[p.sessionID] = p.record
	b.mu.Unlock()
	for _, domain := range []string{"Runtime", "Log", "Network", "Page"} {
		if _, err := b.call(ctx, p.sessionID, domain+".enable", nil); err != nil {
			return nil, err
		}
	}
	if _, err := b.call(ctx, p.sessionID, "Page.navigate", map[string]any{"url": url}); err != nil {
		return nil, err
	}
	return p, nil
}

// record keeps what the page's events say went wrong, and what it loaded.
func (p *page) record(m cdpMessage) {
	var e struct {
		// Runtime.consoleAPICalled
		Type string
		Args []struct {
			Value       any
			Description string
		}
		// Runtime.exceptionThrown
		ExceptionDetails struct {
			Text      string
			Exception struct{ Description string }
		}
		// Log.entryAdded
		Entry struct{ Level, Text, URL string }
		// Network.requestWillBeSent
		Request struct{ URL string }
	}
	_ = json.Unmarshal(m.Params, &e)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Method {
	case "Runtime.consoleAPICalled":
		if e.Type == "error" || e.Type == "assert" {
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p.errors = append(p.errors, "console."+e.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		p.errors = append(p.errors, "uncaught: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
	case "Log.entryAdded":
		if e.Entry.Level == "error" {
			p.errors = append(p.errors, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	case "Network.requestWillBeSent":
		p.requests = append(p.requests, e.Request.URL)
	}
}

// Errors returns the console errors so far.
func (p *page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Requests returns the URLs requested so far.
func (p *page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Text is the rendered text of the first element that selector matches.
func (p *page) Text(ctx context.Context, selector string) (string, error) {
	selectorJSON, _ := json.Marshal(selector)
	result, err := p.b.call(ctx, p.sessionID, "Runtime.evaluate", map[string]any{
		"expression":    fmt.Sprintf("(document.querySelector(%s) || {innerText: ''}).innerText", selectorJSON),
		"returnByValue": true})
	if err != nil {
		return "", err
	}
	var evaluated struct{ Result struct{ Value string } }
	_ = json.Unmarshal(result, &evaluated)
	return evaluated.Result.Value, nil
}

// WaitForText polls the rendered text of selector until it holds every one
// of want.
func (p *page) WaitForText(ctx context.Context, selector string, want ...string) (string, error) {
	for {
		text, err := p.Text(ctx, selector)
		if err != nil {
			return text, err
		}
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return text, nil
		}
		select {
		case <-ctx.Done():
			return text, fmt.Errorf("%s never showed %q: %w", selector, missing, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Screenshot returns the visible part of the page as PNG.
func (p *page) Screenshot(ctx context.Context) ([]byte, error) {
	result, err := p.b.call(ctx, p.sessionID, "Page.captureScreenshot", map[string]any{"format": "png"})
	if err != nil {
		return nil, err
	}
	var shot struct{ Data string }
	_ = json.Unmarshal(result, &shot)
	return base64.StdEncoding.DecodeString(shot.Data)
}

// lockedBuilder lets Chromium's stderr be read while it is written.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuilder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
