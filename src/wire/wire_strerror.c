/* Human-readable names of the wire parse errors, for logs and tools. */
#include "wire/wire.h"

const char *axn_wire_strerror(int err)
{
    switch (err) {
    case 0:
        return "ok";
    case AXN_WIRE_ETRUNC:
        return "truncated header";
    case AXN_WIRE_EVERSION:
        return "bad version";
    case AXN_WIRE_EHDRLEN:
        return "bad header length";
    case AXN_WIRE_ELEN:
        return "length field disagrees with buffer";
    case AXN_WIRE_ECSUM:
        return "bad checksum";
    case AXN_WIRE_EOPTLEN:
        return "malformed option length";
    case AXN_WIRE_EUNSUPP:
        return "unsupported";
    case AXN_WIRE_EVLAN:
        return "VLAN-tagged frame";
    case AXN_WIRE_ECHAIN:
        return "extension header chain too long";
    case AXN_WIRE_ELOOP:
        return "compression pointer loop";
    case AXN_WIRE_ENAME:
        return "bad name";
    case AXN_WIRE_ECOOKIE:
        return "missing magic cookie";
    case AXN_WIRE_EFIELD:
        return "forbidden field value";
    case AXN_WIRE_ENOSPC:
        return "output buffer too small";
    case AXN_WIRE_EFRAG:
        return "bad fragment fields";
    case AXN_WIRE_EADDR:
        return "bad address";
    case AXN_WIRE_ETYPE:
        return "unknown type";
    case AXN_WIRE_ECOUNT:
        return "count exceeds data";
    case AXN_WIRE_EOVERLOAD:
        return "bad option overload";
    case AXN_WIRE_EPTR:
        return "pointer outside message";
    default:
        return "unknown";
    }
}
