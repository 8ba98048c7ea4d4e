/** IANA protocol numbers (https://www.iana.org/assignments/protocol-numbers) to their keywords, for the ones flow logs carry. */
const NAMES: Record<number, string> = {
  0: 'HOPOPT',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPV4',
  6: 'TCP',
  17: 'UDP',
  41: 'IPV6',
  43: 'IPV6-ROUTE',
  44: 'IPV6-FRAG',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'IPV6-ICMP',
  59: 'IPV6-NONXT',
  60: 'IPV6-OPTS',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  115: 'L2TP',
  132: 'SCTP',
  136: 'UDPLITE',
  137: 'MPLS-IN-IP',
};

/** The keyword of protocol number n (upper case, as the record keeps protocols); "IP-n" for one without a keyword here. */
export function protocolName(n: number): string {
  return NAMES[n] ?? `IP-${n}`;
}
