import { describe, it, expect } from 'vitest';
import { escapeXml, parseXml, XmlParseError, descendant, childText } from '../../src/anm/xml.js';
import {
  buildSoapFault,
  buildSoapRequest,
  buildSoapResponse,
  parseSoapRequest,
  parseSoapResponse,
} from '../../src/anm/soap-envelope.js';

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('a\u0000b\u001bc\td\n')).toBe('abc\td\n');
    expect(escapeXml('x\uD800y')).toBe('xy');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('round-trips hostile names through a SOAP request', () => {
    const hostile = [
      `VC]]></name><injected/>`,
      `"'&amp;<!--`,
      `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`,
      `a&#x3c;b`,
      'ctx\u0007bell',
    ];
    for (const h of hostile) {
      const xml = buildSoapRequest('listVirtualContexts', [
        ['sessionToken', { sid: h }],
        ['deviceIDs', { name: h, ipAddr: '10.0.0.1' }],
      ]);
      const { operation, call } = parseSoapRequest(xml);
      expect(operation).toBe('listVirtualContexts');
      const expected = h.replace(/\u0007/g, '');
      expect(childText(descendant(call, 'sessionToken'), 'sid')).toBe(expected);
      expect(childText(descendant(call, 'deviceIDs'), 'name')).toBe(expected);
      // Nothing was injected as markup: exactly the elements we built.
      expect(descendant(call, 'injected')).toBeUndefined();
    }
  });

  it('rejects bad operation names instead of building markup from them', () => {
    expect(() => buildSoapRequest('login><x', [])).toThrow(/operation/);
  });
});

describe('parseXml', () => {
  it('reads prefixes, attributes, entities, CDATA and comments', () => {
    const el = parseXml(
      `<?xml version="1.0"?><!-- c --><S:Envelope xmlns:S="u" a='1'><S:Body><v>&lt;&#65;&#x42;&amp;</v><w><![CDATA[<raw>&]]></w></S:Body></S:Envelope>`,
    );
    expect(el.local).toBe('Envelope');
    expect(el.qname).toBe('S:Envelope');
    expect(el.attrs.a).toBe('1');
    expect(descendant(el, 'v')!.text).toBe('<AB&');
    expect(descendant(el, 'w')!.text).toBe('<raw>&');
  });

  it.each([
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/],
    ['<a>&x;</a>', /unknown entity/],
    ['<a><b></a></b>', /unexpected/],
    ['<a>', /unclosed/],
    ['<a/><b/>', /more than one root/],
    ['text<a/>', /outside the root/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a>&#xD800;</a>', /character reference/],
    ['', /no root/],
  ])('refuses %s', (input, re) => {
    expect(() => parseXml(input)).toThrow(re);
  });

  it('enforces size, depth and element limits', () => {
    expect(() => parseXml('<a>' + 'x'.repeat(200) + '</a>', { maxBytes: 100, maxDepth: 10, maxElements: 10 })).toThrow(
      XmlParseError,
    );
    expect(() =>
      parseXml('<a>'.repeat(20) + '</a>'.repeat(20), { maxBytes: 1e6, maxDepth: 10, maxElements: 100 }),
    ).toThrow(/deeper/);
    expect(() =>
      parseXml('<a>' + '<b/>'.repeat(50) + '</a>', { maxBytes: 1e6, maxDepth: 10, maxElements: 20 }),
    ).toThrow(/elements/);
  });
});

describe('SOAP envelopes', () => {
  it('reads a response and a WSException fault', () => {
    const ok = parseSoapResponse(buildSoapResponse('login', '<return><sid>abc</sid></return>'));
    expect(ok.kind).toBe('result');
    if (ok.kind === 'result') {
      expect(ok.operation).toBe('login');
      expect(descendant(ok.body, 'sid')!.text).toBe('abc');
    }
    const f = parseSoapResponse(buildSoapFault('Invalid <session> & token'));
    expect(f).toEqual({
      kind: 'fault',
      fault: {
        faultcode: 'S:Server',
        faultstring: 'Invalid <session> & token',
        wsExceptionMessage: 'Invalid <session> & token',
      },
    });
  });

  it('reads a fault without a WSException detail', () => {
    const xml =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad</faultstring></soap:Fault></soap:Body></soap:Envelope>';
    expect(parseSoapResponse(xml)).toEqual({ kind: 'fault', fault: { faultcode: 'soap:Client', faultstring: 'bad' } });
  });

  it('refuses documents that are not envelopes', () => {
    expect(() => parseSoapResponse('<html><body>Error</body></html>')).toThrow(/not a SOAP envelope/);
  });
});
