using System;
using System.Text;

namespace PfaAzureDevOps.Core.Ssh
{
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
}
