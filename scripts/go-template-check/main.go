// go-template-check renders the chat prompts that ownchat's tests expect with Go's own text/template, the way
// Ollama renders them (ollama.go, api.go), and compares them byte for byte with the tests' expected strings
// (cases.json). A developer's check, not part of npm test: see README.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// testCase is one expected prompt from a test: the template (a TypeScript constant in the repository, const
// NAME = a template literal, or inline), the request's messages, tools and think, whether the model can think
// (Ollama then treats a request without think as think: true), and what the test expects: the whole prompt,
// or the first match of a regular expression ("" for none).
type testCase struct {
	Name         string          `json:"name"`
	Test         string          `json:"test"`
	TemplateFile string          `json:"templateFile"`
	TemplateName string          `json:"templateConst"`
	Template     string          `json:"template"`
	Thinking     bool            `json:"thinkingCapable"`
	Messages     []Message       `json:"messages"`
	Tools        Tools           `json:"tools"`
	Think        json.RawMessage `json:"think"`
	Expected     *string         `json:"expected"`
	Match        string          `json:"match"`
	MatchWant    *string         `json:"matchExpected"`
}

// templateConst reads the template literal of [export] const NAME from a TypeScript file: one without
// substitutions, so only backslash, backtick and dollar are escaped (with a backslash).
func templateConst(file, name string) (string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	head := []byte("const " + name + " = `")
	start := bytes.Index(src, head)
	if start < 0 {
		return "", fmt.Errorf("%s: no `const %s = \\``", file, name)
	}
	var out strings.Builder
	for i := start + len(head); i < len(src); i++ {
		switch c := src[i]; {
		case c == '`':
			return out.String(), nil
		case c == '\\' && i+1 < len(src) && strings.IndexByte("\\`$", src[i+1]) >= 0:
			out.WriteByte(src[i+1])
			i++
		case c == '\\':
			return "", fmt.Errorf("%s: %s has an escape this reader does not know at byte %d", file, name, i)
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			return "", fmt.Errorf("%s: %s has a ${} substitution", file, name)
		default:
			out.WriteByte(c)
		}
	}
	return "", fmt.Errorf("%s: %s never ends", file, name)
}

// thinkValue decodes the request's think as Ollama's ChatHandler sees it: absent or null is nil, which a
// thinking-capable model turns into true.
func thinkValue(raw json.RawMessage, thinkingCapable bool) (*ThinkValue, error) {
	var v any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
	}
	if v == nil {
		if thinkingCapable {
			return &ThinkValue{Value: true}, nil
		}
		return nil, nil
	}
	return &ThinkValue{Value: v}, nil
}

func render(root string, c testCase) (string, error) {
	src := c.Template
	if c.TemplateFile != "" {
		var err error
		if src, err = templateConst(filepath.Join(root, c.TemplateFile), c.TemplateName); err != nil {
			return "", err
		}
	}
	tmpl, err := Parse(src)
	if err != nil {
		return "", err
	}
	think, err := thinkValue(c.Think, c.Thinking)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = tmpl.Execute(&b, Values{
		Messages:   c.Messages,
		Tools:      c.Tools,
		Think:      think.Bool(),
		ThinkLevel: think.String(),
		IsThinkSet: think != nil,
	})
	return b.String(), err
}

// firstDifference says where two strings part, with a little of each from there.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	clip := func(s string) string {
		if len(s) > 80 {
			return s[:80] + "…"
		}
		return s
	}
	return fmt.Sprintf("at byte %d:\n    go:   %q\n    test: %q", i, clip(got[i:]), clip(want[i:]))
}

func main() {
	root := flag.String("root", "../..", "the ownchat repository root")
	cases := flag.String("cases", "cases.json", "the expected prompts to check")
	show := flag.Bool("print", false, "print each rendering")
	emit := flag.String("emit", "", "also write each case's rendering to this JSON file ({name: prompt}), today's date as <TODAY>")
	flag.Parse()

	data, err := os.ReadFile(*cases)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var list []testCase
	if err := json.Unmarshal(data, &list); err != nil {
		fmt.Fprintln(os.Stderr, *cases+":", err)
		os.Exit(2)
	}
	today := time.Now().Format("2006-01-02")
	failed := 0
	emitted := map[string]string{}
	for _, c := range list {
		got, err := render(*root, c)
		emitted[c.Name] = strings.ReplaceAll(got, today, "<TODAY>")
		verdict := ""
		switch {
		case err != nil:
			verdict = "error: " + err.Error()
		case c.Expected != nil:
			if want := strings.ReplaceAll(*c.Expected, "<TODAY>", today); got != want {
				verdict = "differs " + firstDifference(got, want)
			}
		case c.Match != "":
			found := regexp.MustCompile(c.Match).FindString(got)
			if c.MatchWant == nil || found != *c.MatchWant {
				verdict = fmt.Sprintf("differs: first match of %s is %q, the test expects %q", c.Match, found, derefOr(c.MatchWant, "?"))
			}
		default:
			verdict = "error: the case has neither expected nor match"
		}
		if verdict == "" {
			fmt.Printf("ok    %s (%s)\n", c.Name, c.Test)
		} else {
			failed++
			fmt.Printf("FAIL  %s (%s): %s\n", c.Name, c.Test, verdict)
		}
		if *show {
			fmt.Printf("----\n%s\n----\n", got)
		}
	}
	if *emit != "" {
		out, _ := json.MarshalIndent(emitted, "", "  ")
		if err := os.WriteFile(*emit, append(out, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fmt.Printf("%d of %d cases agree with Go %s's text/template\n", len(list)-failed, len(list), runtime.Version())
	if failed > 0 {
		os.Exit(1)
	}
}

func derefOr(s *string, or string) string {
	if s == nil {
		return or
	}
	return *s
}
