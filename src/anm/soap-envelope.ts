/**
 * SOAP 1.1 rpc/literal envelopes for ANM's `OperationManager` (namespace
 * `http://anm.cisco.com`, `soapAction=""`), as the JAX-WS RI 2.1.6 WSDL describes them:
 * the body holds `<anm:operation>` whose children are the unqualified parts in order.
 */
import {
  child,
  descendant,
  childText,
  escapeXml,
  parseXml,
  type XmlElement,
  type XmlLimits,
  DEFAULT_XML_LIMITS,
} from './xml.js';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const ANM_NS = 'http://anm.cisco.com';

/** A part value: text (escaped) or a nested structure of parts. */
export type SoapValue = string | number | undefined | { [field: string]: SoapValue };

function serialise(name: string, v: SoapValue): string {
  if (v === undefined) return '';
  if (typeof v === 'object') {
    let inner = '';
    for (const [k, sub] of Object.entries(v)) inner += serialise(k, sub);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(v))}</${name}>`;
}

/** Build the request envelope for `operation` with parts in the WSDL's order. */
export function buildSoapRequest(operation: string, parts: Array<[string, SoapValue]>): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(operation)) throw new Error(`bad SOAP operation name ${operation}`);
  let body = '';
  for (const [name, value] of parts) body += serialise(name, value);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:anm="${ANM_NS}">` +
    `<soapenv:Body><anm:${operation}>${body}</anm:${operation}></soapenv:Body></soapenv:Envelope>`
  );
}

/** Build a response envelope (the simulator uses it; the shape JAX-WS produces). */
export function buildSoapResponse(operation: string, returnXml: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<S:Envelope xmlns:S="${SOAP_ENV_NS}"><S:Body>` +
    `<ns2:${operation}Response xmlns:ns2="${ANM_NS}">${returnXml}</ns2:${operation}Response>` +
    '</S:Body></S:Envelope>'
  );
}

/** Build a SOAP 1.1 fault carrying a `WSException` detail (what ANM raises). */
export function buildSoapFault(message: string, faultcode = 'S:Server'): string {
  const m = escapeXml(message);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<S:Envelope xmlns:S="${SOAP_ENV_NS}"><S:Body><S:Fault>` +
    `<faultcode>${escapeXml(faultcode)}</faultcode><faultstring>${m}</faultstring>` +
    `<detail><ns2:WSException xmlns:ns2="${ANM_NS}"><message>${m}</message></ns2:WSException></detail>` +
    '</S:Fault></S:Body></S:Envelope>'
  );
}

export interface SoapFault {
  faultcode: string;
  faultstring: string;
  /** `WSException.message` when the detail carries one. */
  wsExceptionMessage?: string;
}

export type SoapResponse =
  { kind: 'result'; operation: string; body: XmlElement } | { kind: 'fault'; fault: SoapFault };

/** Bound on fault text kept: it ends up in errors and logs. */
const MAX_FAULT_TEXT = 500;

/**
 * Read a response envelope: either the `<xResponse>` element or the fault. Throws
 * `XmlParseError`/`Error` when the document is not a SOAP envelope at all.
 */
export function parseSoapResponse(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): SoapResponse {
  const env = parseXml(xml, limits);
  if (env.local !== 'Envelope') throw new Error(`not a SOAP envelope (root <${env.qname}>)`);
  const body = child(env, 'Body');
  if (!body) throw new Error('SOAP envelope without Body');
  const first = body.children[0];
  if (!first) throw new Error('empty SOAP Body');
  if (first.local === 'Fault') {
    const ws = descendant(child(first, 'detail'), 'WSException');
    const wsMsg = ws ? (childText(ws, 'message') ?? ws.text.trim()) : undefined;
    return {
      kind: 'fault',
      fault: {
        faultcode: (childText(first, 'faultcode') ?? '').slice(0, MAX_FAULT_TEXT),
        faultstring: (childText(first, 'faultstring') ?? '').slice(0, MAX_FAULT_TEXT),
        ...(wsMsg !== undefined ? { wsExceptionMessage: wsMsg.slice(0, MAX_FAULT_TEXT) } : {}),
      },
    };
  }
  return { kind: 'result', operation: first.local.replace(/Response$/, ''), body: first };
}

/** The operation element of a request envelope and its parts (the simulator's side). */
export function parseSoapRequest(
  xml: string,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
): { operation: string; call: XmlElement } {
  const env = parseXml(xml, limits);
  if (env.local !== 'Envelope') throw new Error(`not a SOAP envelope (root <${env.qname}>)`);
  const call = child(env, 'Body')?.children[0];
  if (!call) throw new Error('SOAP request without an operation');
  return { operation: call.local, call };
}
