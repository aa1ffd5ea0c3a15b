using System;
using System.Text;

namespace PfaAzureDevOps.Core.Ssh
{
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
