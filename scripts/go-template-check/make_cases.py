# Writes cases.json for main.go: each case's messages, tools and think mirror a test's request, and its
# expected string is read from the test file itself (the literals in its toBe('...' + '...'), which Python reads
# as JavaScript does for \n, \\, \' and \uXXXX), so cases.json follows the tests when they change. Run it
# from this folder after changing a test here, then `go run .`. A case the test does not have yet is written
# "(not yet in the test)": `go run . -emit out.json` gives Go's rendering to put in the test.
import ast, json, os, re, subprocess

R = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..') + '/'
lit = r'''(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")'''
def expected_literals(path):
    src = open(R + path).read()
    out = []
    for m in re.finditer(r"toBe\(\s*(" + lit + r"(?:\s*\+\s*" + lit + r")*)\s*,?\s*\)", src):
        parts = re.findall(lit, m.group(1))
        out.append(''.join(ast.literal_eval(p) for p in parts))
    return out

weather = {"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"The city"}}}}}
question = {"role":"user","content":"What is the weather in Paris?"}
call = {"id":"call_abcd1234","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}
result = {"role":"tool","content":"22 degrees, sunny","tool_name":"get_weather"}
cases = []

# harmony.test.ts
H = "packages/manager/src/contract/harmony.test.ts"
oss = {"templateFile":"packages/testkit/src/gptOssTemplate.ts","templateConst":"GPT_OSS_TEMPLATE","thinkingCapable":True}
for think, want in [(None,"Reasoning: medium"),("low","Reasoning: low"),("high","Reasoning: high"),(True,"Reasoning: medium"),(False,"")]:
    c = {"name": f"gpt-oss Reasoning line, think {json.dumps(think)}", "test": H, **oss, "messages":[question], "match":"Reasoning: \\w+", "matchExpected": want}
    if think is not None: c["think"] = think
    cases.append(c)
src = open(R + H).read()
m = re.search(r"toBe\(\n(\s*'<\|start\|>system.*?'<\|start\|>assistant',)\n", src, re.S)
parts = re.findall(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`", m.group(1))
exp = ''.join(ast.literal_eval(p) if p[0] != "`" else ast.literal_eval("'" + p[1:-1].replace('${today}', '<TODAY>') + "'") for p in parts)
cases.append({"name":"gpt-oss tool loop, second prompt","test":H, **oss,
  "messages":[question, {"role":"assistant","content":"","thinking":"Need the weather","tool_calls":[call]}, result],
  "tools":[weather], "expected": exp})

# qwen3.test.ts (qwen3:8b's registry template; a thinking model)
Q = "packages/manager/src/contract/qwen3.test.ts"
q3 = {"templateFile":Q,"templateConst":"QWEN3","thinkingCapable":True}
e = expected_literals(Q)
cases.append({"name":"qwen3 default think","test":Q, **q3, "messages":[question], "expected": e[0]})
cases.append({"name":"qwen3 think false","test":Q, **q3, "messages":[question], "think": False, "expected": e[1]})
cases.append({"name":"qwen3 tool loop, second prompt","test":Q, **q3,
  "messages":[question, {"role":"assistant","content":"","thinking":"Need the weather","tool_calls":[call]}, result],
  "tools":[weather], "expected": e[2]})

# toolsAndThinking.test.ts (qwen2.5 tools template; not a thinking model)
T = "packages/manager/src/contract/toolsAndThinking.test.ts"
e = [x for x in expected_literals(T) if x.startswith('<|im_start|>')]
assert len(e) == 1
cases.append({"name":"qwen2.5 tool loop, second prompt","test":T,"templateFile":"packages/testkit/src/templates.ts","templateConst":"QWEN25_TOOLS_TEMPLATE",
  "messages":[question, {"role":"assistant","content":"","tool_calls":[call]}, result], "tools":[weather], "expected": e[0]})

# template/tools.test.ts (renderPrompt directly: think as given, no thinking-capable default)
U = "packages/manager/src/template/tools.test.ts"
e = expected_literals(U)
w2 = {"type":"function","function":{"name":"get_weather","description":"Get the current weather","parameters":{"type":"object","required":["location"],"properties":{
  "location":{"type":"string","description":"The city and state <b>&"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":["integer","null"],"minimum":1}}}}}
bare = {"type":"function","function":{"name":"get_time"}}
loop = [
  {"role":"system","content":"You are helpful."},
  {"role":"user","content":"What's the weather in Paris?"},
  {"role":"assistant","content":"","tool_calls":[{"id":"call_abc","function":{"index":0,"name":"get_weather","arguments":{"unit":"celsius","location":"Paris"}}}]},
  {"role":"tool","content":"22 degrees","tool_name":"get_weather","tool_call_id":"call_abc"},
  {"role":"tool","content":"sunny","tool_name":"get_weather"},
  {"role":"assistant","content":"It is 22 and sunny.","thinking":"easy"},
  {"role":"user","content":"Thanks"},
]
srcU = open(R + U).read()
def inline(name):  # const t = '...' / const args = '...' in the test
    m = re.search(r"const " + name + r" =\s*(" + lit + ")", srcU)
    return ast.literal_eval(m.group(1))
cases.append({"name":".Tools as JSON (routes_debug_test.go)","test":U,"template":inline("t"),
  "messages":[{"role":"user","content":"Get the weather"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Get weather information"}}],"expected":e[0]})
cases.append({"name":"range over call arguments (TestTemplateArgumentsRange)","test":U,"template":inline("args"),
  "messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]}],"expected":e[1]})
cases.append({"name":"range over tool properties (TestTemplatePropertiesRange)","test":U,"template":inline("props"),
  "messages":[{"role":"user","content":"test"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}],"expected":e[2]})
cases.append({"name":"qwen3 (thinking/template_test.go) tool loop, think true","test":U,"templateFile":U,"templateConst":"QWEN3","messages":loop,"tools":[w2,bare],"think":True,"expected":e[3]})
cases.append({"name":"qwen3 (thinking/template_test.go) think false","test":U,"templateFile":U,"templateConst":"QWEN3","messages":loop[:2],"tools":[w2],"think":False,"expected":e[4]})
cases.append({"name":"llama3.1 calls and ipython results","test":U,"templateFile":U,"templateConst":"LLAMA31","messages":loop[:4],"tools":[w2],"expected":e[5]})
cases.append({"name":"ThinkLevel and toTypeScriptType","test":U,"templateFile":U,"templateConst":"TYPESCRIPT","messages":loop[:2],"tools":[w2],"think":"high","expected":e[6]})
assert len(e) == 7, len(e)

# template/gptOss.test.ts: gpt-oss template shapes the contract tests do not reach (renderPrompt directly)
G = "packages/manager/src/template/gptOss.test.ts"
try:
    e = [x.replace('${today}', '<TODAY>') for x in expected_literals(G)]
except FileNotFoundError:
    e = []
gcase = {"templateFile":"packages/testkit/src/gptOssTemplate.ts","templateConst":"GPT_OSS_TEMPLATE"}
lookup = {"type":"function","function":{"name":"lookup","description":"Look a thing up","parameters":{"type":"object","required":["zeta"],"properties":{
  "zeta":{"type":"string","description":"What to look up"},
  "alpha":{"anyOf":[{"type":"string"},{"type":"number"}]},
  "list":{"type":"array","items":{"type":"string"}},
  "flag":{"type":"boolean"},
  "obj":{"type":"object","description":"Extra <options> & more","properties":{"b":{"type":"string"},"a":{"type":"integer"}}},
  "either":{"type":["string","null"]},
}}}}
ping = {"type":"function","function":{"name":"ping"}}
builtin = lambda n: {"type":"function","function":{"name":n,"description":"built in","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}
probes = [
  ("system messages merged into the developer message, user turns merged, think low",
   {"messages":[{"role":"system","content":"Be brief."},{"role":"system","content":"Answer in French."},{"role":"user","content":"Hi"},{"role":"user","content":"Weather?"}],"think":"low"}),
  ("built-in tools, function tools with every property type, think false",
   {"messages":[{"role":"user","content":"Go"}],"tools":[builtin("browser.search"),builtin("browser.open"),builtin("python"),lookup,ping],"think":False}),
  ("only built-in tools: no developer message",
   {"messages":[{"role":"user","content":"Find it"}],"tools":[builtin("browser.find")],"think":True}),
  ("history: thinking before the last user dropped, a python call and result, a prefilled answer",
   {"messages":[{"role":"user","content":"Compute"},
     {"role":"assistant","content":"","thinking":"plan","tool_calls":[{"function":{"index":0,"name":"python","arguments":{"code":"print(1<2 and 3>2)"}}}]},
     {"role":"tool","content":"True","tool_name":"python"},
     {"role":"assistant","content":"It is True","thinking":"old"},
     {"role":"user","content":"And then?"},
     {"role":"assistant","content":"Here","thinking":"now"}],"tools":[builtin("python")],"think":True}),
  ("a prefill with thinking only, nested call arguments in sorted key order",
   {"messages":[{"role":"user","content":"Weather?"},
     {"role":"assistant","content":"","thinking":"call it","tool_calls":[{"function":{"index":0,"name":"get_weather","arguments":{"unit":"c","city":{"name":"Paris","country":"FR"}}}},{"function":{"index":1,"name":"ping","arguments":{}}}]},
     {"role":"tool","content":"12","tool_name":"get_weather"},
     {"role":"tool","content":"pong","tool_name":"ping"},
     {"role":"assistant","content":"","thinking":"Let me"}],"tools":[weather,ping],"think":"high"}),
  ("no user message, a call without arguments, numbers and characters Go's JSON escapes",
   {"messages":[{"role":"assistant","content":"","thinking":"first","tool_calls":[{"function":{"index":0,"name":"ping"}},
       {"function":{"index":1,"name":"odd","arguments":{"n":[1.0,1e-7,1e21,0.1,-0.0,12345678901234567000,-5],"s":"<a & b> \u2028 \u2029 \u00e9 \"q\" \\ \t"}}}]},
     {"role":"tool","content":"<ok>"}],
    "tools":[{"type":"function","function":{"name":"odd","description":"Two\nlines","parameters":{"type":"object","properties":{"untyped":{"description":"no type"},"nested":{"anyOf":[{"type":["integer","null"]},{"type":"array"}]}}}}},
             {"type":"function","function":{"name":"empty","parameters":{"type":"object","properties":{}}}}],"think":False}),
]
for i, (name, v) in enumerate(probes):
    c = {"name":"gpt-oss: " + name, "test":G, **gcase, **v}
    c["expected"] = e[i] if i < len(e) else "(not yet in the test)"
    cases.append(c)
with open(R + 'scripts/go-template-check/cases.json', 'w') as f:
    json.dump(cases, f, indent=2, ensure_ascii=False)
    f.write('\n')
# The repository's formatter checks JSON too: write it as biome would.
subprocess.run(['npx', 'biome', 'format', '--write', 'cases.json'], cwd=R + 'scripts/go-template-check', check=True)
print(len(cases), 'cases')
