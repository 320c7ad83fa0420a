import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AcesyncError } from '../../src/core/errors.js';
import { loadTemplate, samplePayload } from '../../src/notify/receivers.js';
import { compileTemplate, htmlEscape, jsonEscape, slackEscape } from '../../src/notify/template.js';
import { tempDir } from '../engine/helpers.js';

describe('webhook templates', () => {
  it('substitutes paths, escaping every value as the inside of a JSON string', () => {
    const t = compileTemplate('{"text": "{{receiver}}: {{groupLabels.alertname}} ({{alerts.length}})"}');
    const out = t.render({ receiver: 'ops "team"\n<b>', groupLabels: { alertname: 'x\\y' }, alerts: [1, 2, 3] });
    expect(JSON.parse(out)).toEqual({ text: 'ops "team"\n<b>: x\\y (3)' });
  });

  it('repeats {{#each}} with @index/@last and resolves outer names inside', () => {
    const t = compileTemplate(
      '[{{#each alerts}}{"n": {{@number}}, "r": "{{receiver}}", "d": "{{labels.device}}"}{{#unless @last}},{{/unless}}{{/each}}]',
    );
    const out = t.render({ receiver: 'ops', alerts: [{ labels: { device: 'ace1' } }, { labels: { device: 'ace2' } }] });
    expect(JSON.parse(out)).toEqual([
      { n: 1, r: 'ops', d: 'ace1' },
      { n: 2, r: 'ops', d: 'ace2' },
    ]);
  });

  it('has {{#if}}/{{else}} and {{json}}', () => {
    const t = compileTemplate(
      '{"s": "{{#if resolved}}ok{{else}}bad{{/if}}", "labels": {{json labels}}, "none": {{json missing}}}',
    );
    expect(JSON.parse(t.render({ resolved: false, labels: { a: '"' } }))).toEqual({
      s: 'bad',
      labels: { a: '"' },
      none: null,
    });
    expect(JSON.parse(t.render({ resolved: true, labels: {} })).s).toBe('ok');
  });

  it('keeps hostile values inert: they cannot close the string they are placed in', () => {
    const hostile = '"}, "injected": true, "x": {"a": "\u0000\u2028';
    const t = compileTemplate('{"text": "{{v}}"}');
    const parsed = JSON.parse(t.render({ v: hostile })) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['text']);
    expect(parsed.text).toBe(hostile);
    expect(jsonEscape(undefined)).toBe('');
  });

  it('reports mistakes with the file and line', () => {
    const cases: Array<[string, RegExp]> = [
      ['a\n{{#each alerts}}\nb', /t\.tmpl:2: \{\{#each\}\} is never closed/],
      ['{{#if x}}{{/each}}', /t\.tmpl:1: \{\{\/each\}\} closes \{\{#if\}\}/],
      ['\n\n{{foo bar}}', /t\.tmpl:3: unexpected/],
      ['{{#weird x}}', /unknown block '#weird'/],
      ['{{a..b}}', /is not a path/],
      ['{{else}}', /outside/],
    ];
    for (const [src, re] of cases) {
      const err = (() => {
        try {
          compileTemplate(src, 't.tmpl');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(AcesyncError);
      expect((err as AcesyncError).code).toBe('ACESYNC_TEMPLATE');
      expect((err as Error).message).toMatch(re);
    }
  });

  it('refuses, at load, a template that does not render valid JSON', () => {
    const dir = tempDir('acesync-tmpl-');
    writeFileSync(join(dir, 'bad.tmpl'), '{"text": {{receiver}}}');
    expect(() => loadTemplate('bad.tmpl', dir)).toThrow(/does not render valid JSON/);
    expect(() => loadTemplate('missing.tmpl', dir)).toThrow(/cannot read/);
  });

  it('the Slack-style sample renders one line per alert', () => {
    const file = join(process.cwd(), 'samples', 'webhooks', 'slack.json.tmpl');
    const { template } = loadTemplate(file, process.cwd());
    const body = JSON.parse(template.render(samplePayload('ops'))) as { text: string; username: string };
    expect(body.username).toBe('acesync');
    expect(body.text.split('\n').filter((l) => l.startsWith('•'))).toHaveLength(2);
    expect(body.text).toContain('VC_WEB on ace1');
    expect(readFileSync(file, 'utf8')).toContain('{{#each alerts}}');
  });

  it('{{slack}} and {{html}} escape for their target, inside a JSON string; C1 and U+2028 are escaped', () => {
    const t = compileTemplate('{"s": "{{slack v}}", "h": "{{html v}}", "p": "{{v}}", "j": {{json v}}}');
    const v = `<!channel> & <https://evil.example|x> "q" 'a' \u009b2J \u2028`;
    const out = t.render({ v });
    expect(out).not.toMatch(/[\u007f-\u009f\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual({
      s: `&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt; "q" 'a' \u009b2J \u2028`,
      h: `&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt; &quot;q&quot; &#39;a&#39; \u009b2J \u2028`,
      p: v,
      j: v,
    });
    expect(slackEscape('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(htmlEscape(`<a href="x">'`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;');
    expect(() => compileTemplate('{{slack}}')).toThrow(/needs a path/);
  });

  it('the shipped Slack sample keeps a hostile command string inert (no mention, no disguised link)', () => {
    const file = join(process.cwd(), 'samples', 'webhooks', 'slack.json.tmpl');
    const { template } = loadTemplate(file, process.cwd());
    const payload = samplePayload('slack');
    const hostile =
      "oper1 ran 'banner <!channel> <https://evil.example|ANM session expired - re-login here> <@U123> \u001b]0;pwned\u0007'";
    payload.alerts[0]!.annotations.summary = hostile;
    payload.alerts[0]!.labels.context = 'VC_<!here>';
    payload.groupLabels.alertname = '<!everyone>';
    const raw = template.render(payload);
    // Raw newlines only from the template's own layout.
    expect(raw).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    const text = (JSON.parse(raw) as { text: string }).text;
    // Slack reads control sequences only between < and >: none may come from the alert's text.
    const controls = [...text.matchAll(/<([^>]*)>/g)].map((m) => m[1]);
    expect(controls).toEqual([
      'http://127.0.0.1:8080/contexts/ace1/VC_WEB|details',
      'http://127.0.0.1:8080/contexts/ace1/VC_APP|details',
    ]);
    expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example|ANM session expired - re-login here&gt;');
    expect(text).toContain('*[firing] &lt;!everyone&gt;*');
    expect(text).toContain('VC_&lt;!here&gt; on ace1');
  });
});
