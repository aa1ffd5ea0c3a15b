using System;
using System.Text;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Thrown by <see cref="SshWireReader"/> on truncated or inconsistent data; callers turn it into a PfaException.</summary>
    internal sealed class SshWireException : Exception
    {
        public SshWireException(string message)
            : base(message)
        {
        }
    }

    /// <summary>
    /// Writes the SSH wire encoding (RFC 4251 section 5) into a growable buffer that is cleared whenever it is
    /// replaced and on <see cref="Dispose"/>, so private material leaves no stray copies behind.
    /// </summary>
    internal sealed class SshWireWriter : IDisposable
    {
        private byte[] _buffer;
        private int _length;

        public SshWireWriter(int capacity = 256)
        {
            _buffer = new byte[Math.Max(capacity, 16)];
        }

        public int Length => _length;

        public void WriteByte(byte value)
        {
            Ensure(1);
            _buffer[_length++] = value;
        }

        public void WriteUInt32(uint value)
        {
            Ensure(4);
            _buffer[_length++] = (byte)(value >> 24);
            _buffer[_length++] = (byte)(value >> 16);
            _buffer[_length++] = (byte)(value >> 8);
            _buffer[_length++] = (byte)value;
        }

        public void WriteRaw(ReadOnlySpan<byte> data)
        {
            Ensure(data.Length);
            data.CopyTo(new Span<byte>(_buffer, _length, data.Length));
            _length += data.Length;
        }

        public void WriteString(ReadOnlySpan<byte> data)
        {
            WriteUInt32((uint)data.Length);
            WriteRaw(data);
        }

        public void WriteString(string ascii) => WriteString(Encoding.UTF8.GetBytes(ascii));

        /// <summary>Writes an unsigned big-endian integer as an mpint (minimal, with a 0 byte when the top bit is set).</summary>
        public void WriteMpint(ReadOnlySpan<byte> unsignedBigEndian)
        {
            int start = 0;
            while (start < unsignedBigEndian.Length && unsignedBigEndian[start] == 0)
            {
                start++;
            }

            ReadOnlySpan<byte> value = unsignedBigEndian.Slice(start);
            bool pad = value.Length > 0 && (value[0] & 0x80) != 0;
            WriteUInt32((uint)(value.Length + (pad ? 1 : 0)));
            if (pad)
            {
                WriteByte(0);
            }

            WriteRaw(value);
        }

        public byte[] ToArray()
        {
            byte[] result = new byte[_length];
            Buffer.BlockCopy(_buffer, 0, result, 0, _length);
            return result;
        }

        public void Dispose()
        {
            Array.Clear(_buffer, 0, _buffer.Length);
            _length = 0;
        }

        private void Ensure(int extra)
        {
            if (_length + extra <= _buffer.Length)
            {
                return;
            }

            byte[] bigger = new byte[Math.Max(_buffer.Length * 2, _length + extra)];
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _length);
            Array.Clear(_buffer, 0, _buffer.Length);
            _buffer = bigger;
        }
    }

    /// <summary>Reads the SSH wire encoding with bounds checks; every failure is an <see cref="SshWireException"/>.</summary>
    internal sealed class SshWireReader
    {
        private readonly byte[] _data;
        private readonly int _end;
        private int _position;

        public SshWireReader(byte[] data)
            : this(data, 0, data.Length)
        {
        }

        public SshWireReader(byte[] data, int offset, int count)
        {
            _data = data;
            _position = offset;
            _end = offset + count;
        }

        public int Position => _position;

        public int Remaining => _end - _position;

        public bool AtEnd => _position == _end;

        public uint ReadUInt32()
        {
            if (Remaining < 4)
            {
                throw new SshWireException("the data ends in the middle of a number");
            }

            uint value = ((uint)_data[_position] << 24) | ((uint)_data[_position + 1] << 16) | ((uint)_data[_position + 2] << 8) | _data[_position + 3];
            _position += 4;
            return value;
        }

        /// <summary>Returns the offset and length of the next string without copying it.</summary>
        public ArraySegment<byte> ReadStringSegment()
        {
            uint length = ReadUInt32();
            if (length > (uint)Remaining)
            {
                throw new SshWireException("a field is longer than the data that holds it");
            }

            var segment = new ArraySegment<byte>(_data, _position, (int)length);
            _position += (int)length;
            return segment;
        }

        public byte[] ReadString()
        {
            ArraySegment<byte> segment = ReadStringSegment();
            byte[] copy = new byte[segment.Count];
            Buffer.BlockCopy(segment.Array!, segment.Offset, copy, 0, segment.Count);
            return copy;
        }

        public string ReadAsciiString()
        {
            ArraySegment<byte> segment = ReadStringSegment();
            for (int i = 0; i < segment.Count; i++)
            {
                byte b = segment.Array![segment.Offset + i];
                if (b < 0x20 || b > 0x7e)
                {
                    throw new SshWireException("a name field holds characters that are not printable ASCII");
                }
            }

            return Encoding.ASCII.GetString(segment.Array!, segment.Offset, segment.Count);
        }

        /// <summary>Reads a non-negative mpint and returns it as a minimal unsigned big-endian array.</summary>
        public byte[] ReadPositiveMpint()
        {
            ArraySegment<byte> segment = ReadStringSegment();
            int start = segment.Offset;
            int end = segment.Offset + segment.Count;
            if (segment.Count > 0 && (_data[start] & 0x80) != 0)
            {
                throw new SshWireException("a number is negative");
            }

            while (start < end && _data[start] == 0)
            {
                start++;
            }

            byte[] value = new byte[end - start];
            Buffer.BlockCopy(_data, start, value, 0, value.Length);
            return value;
        }
    }
}
