/**
 * The simulated `/anm/OperationManager`: login, logout, listDeviceIds,
 * listVirtualContexts, with session tokens and `WSException` faults answered with HTTP
 * 500 as JAX-WS does. Request parsing reuses acesync's strict XML reader.
 */
import { buildSoapFault, buildSoapResponse, parseSoapRequest } from '../../anm/soap-envelope.js';
import { child, childText, xmlFields, type XmlElement } from '../../anm/xml.js';
import type { AnmSimState, SimDevice } from './state.js';

export interface SoapReply {
  status: number;
  body: string;
}

const DEVICE_TYPES = new Set(['CAT6K', 'ACE_BLADE', 'VIRTUAL_CONTEXT', 'ACE4710', 'GSS', 'CSS', 'CSM']);
const REQUEST_LIMITS = { maxBytes: 256 * 1024, maxDepth: 16, maxElements: 1_000 };

/** Messages the simulator uses; the real ANM's wording is not documented. */
export const FAULTS = {
  badCredentials: 'Authentication failed: invalid user name or password',
  badSession: 'Invalid or expired session token',
  unknownDevice: 'Device not found',
} as const;

function fault(state: AnmSimState, message: string, code = 'S:Server'): SoapReply {
  state.counters.soapFaults++;
  return { status: 500, body: buildSoapFault(message, code) };
}

export function handleSoap(state: AnmSimState, xml: string, ipField: 'ipAddr' | 'ipAddress'): SoapReply {
  let operation: string;
  let call: XmlElement;
  try {
    ({ operation, call } = parseSoapRequest(xml, REQUEST_LIMITS));
  } catch (e) {
    return fault(state, `Malformed SOAP request: ${(e as Error).message.slice(0, 200)}`, 'S:Client');
  }
  state.countSoap(operation);
  const token = (): string | undefined => childText(child(call, 'sessionToken'), 'sid');
  const user = (): string | undefined => state.session('soap', token());

  switch (operation) {
    case 'login': {
      const u = childText(call, 'user') ?? '';
      const p = child(call, 'password')?.text ?? '';
      if (!state.checkPassword(u, p)) return fault(state, FAULTS.badCredentials);
      const sid = state.openSession('soap', u);
      return { status: 200, body: buildSoapResponse('login', `<return>${xmlFields({ sid })}</return>`) };
    }
    case 'logout': {
      const sid = token();
      if (sid === undefined || !state.closeSession('soap', sid)) return fault(state, FAULTS.badSession);
      return { status: 200, body: buildSoapResponse('logout', '') };
    }
    case 'listDeviceIds': {
      if (user() === undefined) return fault(state, FAULTS.badSession);
      const type = childText(call, 'deviceType') ?? '';
      if (!DEVICE_TYPES.has(type)) return fault(state, `Invalid device type: ${type.slice(0, 40)}`);
      const items: string[] = [];
      for (const d of state.devices.values()) {
        if (type === 'VIRTUAL_CONTEXT') for (const c of d.contexts) items.push(contextItem(d, c, ipField));
        else if (type === d.deviceType) items.push(deviceItem(d, ipField));
      }
      return { status: 200, body: buildSoapResponse('listDeviceIds', `<return>${items.join('')}</return>`) };
    }
    case 'listVirtualContexts': {
      if (user() === undefined) return fault(state, FAULTS.badSession);
      const id = child(call, 'deviceIDs') ?? child(call, 'deviceID');
      const address = childText(id, 'ipAddr') ?? childText(id, 'ipAddress') ?? childText(id, 'chassisIPAddr');
      const d = state.findDevice(childText(id, 'name'), address);
      if (!d) return fault(state, FAULTS.unknownDevice);
      const items = d.contexts.map((c) => contextItem(d, c, ipField)).join('');
      return { status: 200, body: buildSoapResponse('listVirtualContexts', `<return>${items}</return>`) };
    }
    default:
      return fault(state, `Operation not supported by the simulator: ${operation.slice(0, 60)}`, 'S:Client');
  }
}

function deviceItem(d: SimDevice, ipField: string): string {
  return `<item>${xmlFields({ name: d.name, deviceType: d.deviceType, [ipField]: d.address, slot: d.slot, chassisIPAddr: d.chassisIp })}</item>`;
}

function contextItem(d: SimDevice, context: string, ipField: string): string {
  return `<item>${xmlFields({ name: context, deviceType: 'VIRTUAL_CONTEXT', [ipField]: d.address, slot: d.slot, chassisIPAddr: d.chassisIp })}</item>`;
}

/**
 * A compact WSDL of the operations the simulator serves (GET ?wsdl): same names, style
 * and binding as ANM 4.1's, types section omitted (it documents, it is not for codegen).
 */
export function simulatorWsdl(location: string): string {
  const op = (name: string, inParts: Array<[string, string]>, out?: string): string =>
    `<message name="${name}">${inParts.map(([n, t]) => `<part name="${n}" type="${t}"/>`).join('')}</message>` +
    `<message name="${name}Response">${out ? `<part name="return" type="${out}"/>` : ''}</message>`;
  const ops: Array<[string, Array<[string, string]>, string | undefined]> = [
    [
      'login',
      [
        ['user', 'xsd:string'],
        ['password', 'xsd:string'],
      ],
      'tns:SessionToken',
    ],
    ['logout', [['sessionToken', 'tns:SessionToken']], undefined],
    [
      'listDeviceIds',
      [
        ['sessionToken', 'tns:SessionToken'],
        ['deviceType', 'tns:DeviceType'],
      ],
      'tns:DeviceIDArray',
    ],
    [
      'listVirtualContexts',
      [
        ['sessionToken', 'tns:SessionToken'],
        ['deviceIDs', 'tns:DeviceID'],
      ],
      'tns:DeviceIDArray',
    ],
  ];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://anm.cisco.com" targetNamespace="http://anm.cisco.com" name="OperationManagerService">' +
    ops.map(([n, i, o]) => op(n, i, o)).join('') +
    '<message name="WSException"><part name="fault" element="tns:WSException"/></message>' +
    '<portType name="OperationManager">' +
    ops
      .map(
        ([n]) =>
          `<operation name="${n}"><input message="tns:${n}"/><output message="tns:${n}Response"/><fault name="WSException" message="tns:WSException"/></operation>`,
      )
      .join('') +
    '</portType>' +
    '<binding name="OperationManagerPortBinding" type="tns:OperationManager"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="rpc"/>' +
    ops
      .map(
        ([n]) =>
          `<operation name="${n}"><soap:operation soapAction=""/><input><soap:body use="literal" namespace="http://anm.cisco.com"/></input><output><soap:body use="literal" namespace="http://anm.cisco.com"/></output></operation>`,
      )
      .join('') +
    '</binding>' +
    `<service name="OperationManagerService"><port name="OperationManagerPort" binding="tns:OperationManagerPortBinding"><soap:address location="${location.replace(/[&<>"']/g, '')}"/></port></service>` +
    '</definitions>'
  );
}
