import dns from 'node:dns';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COUNTRY_TABLE, countryOf, countryTableAgeSeconds } from '../../../../src/ml/data/geo/country.js';

describe('countryOf, from the offline table', () => {
  afterEach(() => vi.restoreAllMocks());

  it('locates addresses of well-known public ranges, IPv4 and IPv6', () => {
    expect(countryOf('1.0.0.1')).toBe('AU'); // APNIC's 1.0.0.0/24
    expect(countryOf('1.0.1.1')).toBe('CN'); // 1.0.1.0-1.0.3.255
    expect(countryOf('1.1.200.1')).toBe('TH'); // 1.1.128.0/17
    expect(countryOf('8.8.8.8')).toBe('US'); // Google
    expect(countryOf('2001:2000::1')).toBe('SE'); // Telia, 2001:2000::/36 in the RIPE region
    expect(countryOf('2001:2000:0000:0000:0000:0000:0000:0001')).toBe('SE');
    expect(countryOf('2001:2000:1000::5')).toBe('DK');
    expect(countryOf('::ffff:8.8.8.8')).toBe('US'); // IPv4-mapped
  });

  it('leaves private, shared, loopback, link-local, documentation and reserved ranges absent', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.169.254', '192.0.2.1', '198.51.100.7', '203.0.113.12', '224.0.0.1', '255.255.255.255', '0.0.0.0']) {
      expect(countryOf(ip), ip).toBeNull();
    }
    for (const ip of ['::1', '::', 'fe80::1', 'fd00::1', '2001:db8::1', 'ff02::1']) expect(countryOf(ip), ip).toBeNull();
    expect(countryOf('not an address')).toBeNull();
  });

  it('opens no socket and asks no resolver: the table is on disk', () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const lookup = vi.spyOn(dns, 'lookup');
    const resolve = vi.spyOn(dns.promises, 'resolve');
    expect(countryOf('8.8.4.4')).toBe('US');
    expect(countryOf('2a00:1450:4001:800::200e')).not.toBeNull(); // Google, Europe
    expect(connect).not.toHaveBeenCalled();
    expect(lookup).not.toHaveBeenCalled();
    expect(resolve).not.toHaveBeenCalled();
  });

  it('names the table and its build date, and tells its age', () => {
    expect(COUNTRY_TABLE.name).toBe('@ip-location-db/geo-whois-asn-country');
    expect(COUNTRY_TABLE.built).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
    expect(countryTableAgeSeconds(Date.parse(COUNTRY_TABLE.built!) + 86_400_000)).toBe(86_400);
  });
});
