#!/usr/bin/env python3
"""Writes kube-messages.txt, the protobuf tables of the local control plane, from a kubectl binary.

Every kubectl carries, compiled in, the FileDescriptorProtos of k8s.io/api's and k8s.io/apimachinery's
generated.proto files (gzipped, registered by generated.pb.go) and the Go struct tags of the API types
(`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`). This reads both, so nothing is
typed by hand:
  - field numbers, names, labels, scalar types, message types and maps from the descriptors;
  - from the Go types (reflect metadata: struct fields with their tags and field types): whether a
    field is a pointer (proto2 presence: zero is sent only when set), omitempty, and a JSON name that
    differs from the proto name (`inline` for embedded structs such as Volume.volumeSource).

Usage: python3 extract-kube-messages.py <kubectl> "<what it is>" > kube-messages.txt
   e.g. python3 extract-kube-messages.py .cache/tools/kubectl "kubectl v1.33.9 (k8s.io/api v0.33)" > kube-messages.txt
Only amd64 ELF Go binaries (non-PIE) are read.
"""
import collections
import re
import struct
import sys
import zlib

FILES = ['k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto', 'k8s.io/apimachinery/pkg/runtime/generated.proto',
         'k8s.io/apimachinery/pkg/util/intstr/generated.proto', 'k8s.io/apimachinery/pkg/api/resource/generated.proto'] + [
    f'k8s.io/api/{group}/v1/generated.proto' for group in
    ['core', 'apps', 'batch', 'rbac', 'networking', 'policy', 'scheduling', 'authorization', 'authentication',
     'autoscaling', 'coordination', 'discovery', 'events', 'storage', 'certificates', 'node']]
TYPES = {1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool',
         9: 'string', 11: 'message', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64'}
GO_POINTER = 22


def varint(b, i):
    result, shift = 0, 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7f) << shift
        shift += 7
        if not x & 0x80:
            return result, i


def fields(b):
    i = 0
    while i < len(b):
        tag, i = varint(b, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = varint(b, i)
        elif wire == 2:
            n, i = varint(b, i)
            value = b[i:i + n]
            i += n
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f'wire type {wire}')
        yield number, value


class Binary:
    def __init__(self, path):
        self.data = data = open(path, 'rb').read()
        shoff = struct.unpack_from('<Q', data, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
        self.sections = []
        for k in range(shnum):
            name, _, _, addr, off, size = struct.unpack_from('<IIQQQQ', data, shoff + k * shentsize)
            self.sections.append([name, addr, off, size])
        strtab = self.sections[shstrndx][2]
        for s in self.sections:
            s[0] = data[strtab + s[0]:data.index(b'\0', strtab + s[0])].decode()
        self.rodata = next(s for s in self.sections if s[0] == '.rodata')

    def offset(self, address):
        return next((address - a + o for n, a, o, size in self.sections if a and a <= address < a + size and n != '.bss'), None)

    def address(self, offset):
        return next((offset - o + a for n, a, o, size in self.sections if a and o <= offset < o + size and n != '.bss'), None)

    def go_name(self, address):
        """A Go runtime name (flags, varint length, bytes) at an address."""
        o = self.offset(address)
        n, i = varint(self.data, o + 1)
        return self.data[i:i + n].decode('latin1')

    def descriptors(self):
        data, found, i = self.data, {}, 0
        while (i := data.find(b'\x1f\x8b\x08\x00\x00\x00\x00\x00', i)) >= 0:
            try:
                proto = zlib.decompressobj(16 + 15).decompress(data[i:i + 4_000_000])
                name = next((v.decode() for n, v in fields(proto) if n == 1), '')
                if name.startswith('k8s.io/') and name.endswith('generated.proto'):
                    found[name] = proto
            except (zlib.error, ValueError, IndexError, UnicodeDecodeError):
                pass
            i += 1
        return found

    def tagged_names(self):
        """Go struct field names with a protobuf tag: address -> (json tag, proto number, proto name)."""
        data, names = self.data, {}
        for m in re.finditer(rb'protobuf:"', data):
            pos = m.start()
            for t in range(pos, max(pos - 400, 0), -1):
                hit = self._name_ending_tag_at(t, pos)
                if hit:
                    start, tag = hit
                    proto = re.search(r'protobuf:"([^"]*)"', tag).group(1).split(',')
                    json = re.search(r'json:"([^"]*)"', tag)
                    if len(proto) >= 3 and proto[1].isdigit():
                        pname = next((p[5:] for p in proto if p.startswith('name=')), None)
                        names[self.address(start)] = (json.group(1) if json else None, int(proto[1]), pname)
                    break
        return names

    def _name_ending_tag_at(self, t, pos):
        data = self.data
        for width in (1, 2):
            vs = t - width
            if width == 1 and data[vs] & 0x80:
                continue
            if width == 2 and (not data[vs] & 0x80 or data[vs + 1] & 0x80):
                continue
            length = data[vs] if width == 1 else (data[vs] & 0x7f) | (data[vs + 1] << 7)
            if not pos + 12 <= t + length <= pos + 400:
                continue
            tag = data[t:t + length]
            if not tag.endswith(b'"') or not re.fullmatch(rb'[ -~]+', tag):
                continue
            for n in range(1, 80):
                if data[vs - n - 1] == n and data[vs - n - 2] & 2 and re.fullmatch(rb'[A-Za-z_][A-Za-z0-9_]*', data[vs - n:vs]):
                    return vs - n - 2, tag.decode()
        return None

    def struct_fields(self):
        """(Go package, type name) -> {proto number: (json tag, is pointer)} from reflect struct types."""
        data, names = self.data, self.tagged_names()
        _, base, rofs, rsize = self.rodata
        runs = []  # consecutive abi.StructField records (name, type, offset: 24 bytes) with protobuf tags
        for k in range(0, rsize - 24, 8):
            q = struct.unpack_from('<Q', data, rofs + k)[0]
            if q in names:
                typ = self.offset(struct.unpack_from('<Q', data, rofs + k + 8)[0])
                if typ is None:
                    continue
                kind = data[typ + 23] & 0x1f
                record = (k, names[q], kind == GO_POINTER)
                if runs and runs[-1][-1][0] == k - 24:
                    runs[-1].append(record)
                else:
                    runs.append([record])
        starts = {}
        for index, run in enumerate(runs):
            for before in range(4):  # untagged fields (TypeMeta) may precede the tagged ones
                starts[self.address(rofs + run[0][0] - 24 * before)] = (index, before)
        result = {}
        for k in range(0, rsize - 24, 8):  # abi.StructType: Type (48 bytes), PkgPath, Fields slice
            q = struct.unpack_from('<Q', data, rofs + k)[0]
            if q not in starts:
                continue
            index, before = starts[q]
            length, capacity = struct.unpack_from('<QQ', data, rofs + k + 8)
            if length != capacity or length < len(runs[index]):
                continue
            t = rofs + k - 56
            if not data[t + 20] & 1:  # TFlagUncommon: named type with its package path
                continue
            type_name = self.go_name(base + struct.unpack_from('<i', data, t + 40)[0]).lstrip('*').split('.')[-1]
            package = self.go_name(base + struct.unpack_from('<i', data, t + 80)[0])
            result[(package, type_name)] = {r[1][1]: (r[1][0], r[2]) for r in runs[index]}
        return result


def message(b):
    m = {'fields': [], 'nested': {}, 'map_entry': False}
    for n, v in fields(b):
        if n == 1:
            m['name'] = v.decode()
        elif n == 2:
            f = {}
            for fn, fv in fields(v):
                if fn == 1:
                    f['name'] = fv.decode()
                elif fn == 3:
                    f['number'] = fv
                elif fn == 4:
                    f['label'] = fv
                elif fn == 5:
                    f['type'] = fv
                elif fn == 6:
                    f['type_name'] = fv.decode().lstrip('.')
            m['fields'].append(f)
        elif n == 3:
            nested = message(v)
            m['nested'][nested['name']] = nested
        elif n == 7:
            m['map_entry'] = any(on == 7 and ov for on, ov in fields(v))
    return m


def main():
    binary = Binary(sys.argv[1])
    descriptors = binary.descriptors()
    go = binary.struct_fields()
    out = ['// The protobuf messages of Kubernetes API objects, for KubeCloud.ApiServer\'s protobuf codec.',
           f'// Written by extract-kube-messages.py from the descriptors and Go types compiled into {sys.argv[2]}',
           '// (see the README). Field lines are those of the generated.proto files named below; a trailing comment',
           '// carries what the Go type adds: pointer (zero is sent only when set), omitempty, inline or json=<name>.',
           '//',
           '// Derived from k8s.io/api and k8s.io/apimachinery: Copyright The Kubernetes Authors, licensed under the',
           '// Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). Do not edit: regenerate.',
           '']
    for name in FILES:
        proto = descriptors[name]
        package = next(v.decode() for n, v in fields(proto) if n == 2)
        go_package = name.rsplit('/', 1)[0]
        out += [f'// {name}', f'package {package};']
        for m in (message(v) for n, v in fields(proto) if n == 4):
            facts = go.get((go_package, m['name']), {})
            out.append(f'message {m["name"]} {{')
            for f in sorted(m['fields'], key=lambda f: f['number']):
                kind = TYPES[f['type']]
                entry = m['nested'].get(f.get('type_name', '').rsplit('.', 1)[-1]) if kind == 'message' else None
                if entry and entry['map_entry']:
                    key, value = sorted(entry['fields'], key=lambda f: f['number'])
                    value_type = value['type_name'] if TYPES[value['type']] == 'message' else TYPES[value['type']]
                    line = f'map<{TYPES[key["type"]]}, {value_type}> {f["name"]} = {f["number"]};'
                else:
                    label = {1: 'optional', 2: 'required', 3: 'repeated'}[f['label']]
                    line = f'{label} {f["type_name"] if kind == "message" else kind} {f["name"]} = {f["number"]};'
                notes = []
                if f['number'] in facts:
                    json, pointer = facts[f['number']]
                    json_name, _, options = (json or '').partition(',')
                    if json_name != f['name']:
                        notes.append('inline' if json_name == '' else f'json={json_name}')
                    if pointer:
                        notes.append('pointer')
                    if 'omitempty' in options.split(','):
                        notes.append('omitempty')
                out.append('  ' + line + (' // ' + ' '.join(notes) if notes else ''))
            out.append('}')
        out.append('')
    sys.stdout.write('\n'.join(out))


if __name__ == '__main__':
    main()
