using System;
using System.Numerics;
using System.Security.Cryptography;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>
    /// <c>bcrypt_pbkdf</c> as OpenBSD defines it (and OpenSSH uses for <c>openssh-key-v1</c> files): SHA-512 of the
    /// passphrase and salt feeding the eksblowfish "expensive key schedule", 64 encryptions of
    /// "OxychromaticBlowfishSwatDynamite", output bytes spread across blocks by a stride.
    /// </summary>
    internal static class BcryptPbkdf
    {
        private const int HashSize = 32;
        private static readonly byte[] MagicText = System.Text.Encoding.ASCII.GetBytes("OxychromaticBlowfishSwatDynamite");
        private static readonly Lazy<uint[]> InitialState = new Lazy<uint[]>(ComputeInitialState);

        public static void DeriveKey(byte[] password, byte[] salt, int rounds, byte[] output)
        {
            if (rounds < 1 || output.Length == 0 || output.Length > HashSize * HashSize || salt.Length == 0)
            {
                throw new ArgumentException("Invalid bcrypt_pbkdf parameters.");
            }

            int keyLength = output.Length;
            int stride = (keyLength + HashSize - 1) / HashSize;
            int amount = (keyLength + stride - 1) / stride;

            byte[] sha2Pass;
            byte[] countSalt = new byte[salt.Length + 4];
            Buffer.BlockCopy(salt, 0, countSalt, 0, salt.Length);
            byte[] block = new byte[HashSize];
            byte[] tmp = new byte[HashSize];
            var state = new EksBlowfish();
            using (SHA512 sha = SHA512.Create())
            {
                sha2Pass = sha.ComputeHash(password);
                try
                {
                    int remaining = keyLength;
                    for (uint count = 1; remaining > 0; count++)
                    {
                        countSalt[salt.Length] = (byte)(count >> 24);
                        countSalt[salt.Length + 1] = (byte)(count >> 16);
                        countSalt[salt.Length + 2] = (byte)(count >> 8);
                        countSalt[salt.Length + 3] = (byte)count;

                        byte[] sha2Salt = sha.ComputeHash(countSalt);
                        state.Hash(sha2Pass, sha2Salt, tmp);
                        Buffer.BlockCopy(tmp, 0, block, 0, HashSize);
                        for (int i = 1; i < rounds; i++)
                        {
                            sha2Salt = sha.ComputeHash(tmp);
                            state.Hash(sha2Pass, sha2Salt, tmp);
                            for (int j = 0; j < HashSize; j++)
                            {
                                block[j] ^= tmp[j];
                            }
                        }

                        amount = Math.Min(amount, remaining);
                        int k;
                        for (k = 0; k < amount; k++)
                        {
                            int dest = k * stride + (int)(count - 1);
                            if (dest >= keyLength)
                            {
                                break;
                            }

                            output[dest] = block[k];
                        }

                        remaining -= k;
                    }
                }
                finally
                {
                    Array.Clear(sha2Pass, 0, sha2Pass.Length);
                    Array.Clear(block, 0, block.Length);
                    Array.Clear(tmp, 0, tmp.Length);
                    state.Clear();
                }
            }
        }

        /// <summary>
        /// Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fractional part: 18 + 4 * 256
        /// words. They are computed once (Machin's formula, a few milliseconds) rather than carried as a table, and
        /// checked against known words.
        /// </summary>
        private static uint[] ComputeInitialState()
        {
            const int words = 18 + 1024;
            const int guardBits = 64;
            int bits = words * 32 + guardBits;
            BigInteger one = BigInteger.One << bits;
            BigInteger pi = (16 * ArcTanInverse(5, one)) - (4 * ArcTanInverse(239, one));
            BigInteger fraction = (pi - (3 * one)) >> guardBits;
            byte[] little = fraction.ToByteArray();
            uint[] result = new uint[words];
            for (int i = 0; i < words; i++)
            {
                int offset = (words - 1 - i) * 4;
                result[i] = little[offset] | ((uint)little[offset + 1] << 8) | ((uint)little[offset + 2] << 16) | ((uint)little[offset + 3] << 24);
            }

            if (result[0] != 0x243F6A88u || result[17] != 0x8979FB1Bu || result[18] != 0xD1310BA6u || result[words - 1] != 0x3AC372E6u)
            {
                throw new InvalidOperationException("The Blowfish initial state did not compute correctly.");
            }

            return result;
        }

        private static BigInteger ArcTanInverse(int x, BigInteger one)
        {
            BigInteger term = one / x;
            BigInteger sum = term;
            BigInteger x2 = x * x;
            for (int k = 1; ; k++)
            {
                term /= x2;
                if (term.IsZero)
                {
                    return sum;
                }

                BigInteger part = term / ((2 * k) + 1);
                sum = (k & 1) == 1 ? sum - part : sum + part;
            }
        }

        private sealed class EksBlowfish
        {
            private readonly uint[] _p = new uint[18];
            private readonly uint[] _s = new uint[1024];

            public void Hash(byte[] sha2Pass, byte[] sha2Salt, byte[] output)
            {
                uint[] init = InitialState.Value;
                Array.Copy(init, 0, _p, 0, 18);
                Array.Copy(init, 18, _s, 0, 1024);

                ExpandState(sha2Salt, sha2Pass);
                for (int i = 0; i < 64; i++)
                {
                    Expand0State(sha2Salt);
                    Expand0State(sha2Pass);
                }

                uint[] cdata = new uint[8];
                int j = 0;
                for (int i = 0; i < 8; i++)
                {
                    cdata[i] = StreamToWord(MagicText, ref j);
                }

                for (int i = 0; i < 64; i++)
                {
                    for (int b = 0; b < 8; b += 2)
                    {
                        uint l = cdata[b];
                        uint r = cdata[b + 1];
                        Encipher(ref l, ref r);
                        cdata[b] = l;
                        cdata[b + 1] = r;
                    }
                }

                for (int i = 0; i < 8; i++)
                {
                    output[(4 * i) + 3] = (byte)(cdata[i] >> 24);
                    output[(4 * i) + 2] = (byte)(cdata[i] >> 16);
                    output[(4 * i) + 1] = (byte)(cdata[i] >> 8);
                    output[4 * i] = (byte)cdata[i];
                }

                Array.Clear(cdata, 0, cdata.Length);
            }

            public void Clear()
            {
                Array.Clear(_p, 0, _p.Length);
                Array.Clear(_s, 0, _s.Length);
            }

            private static uint StreamToWord(byte[] data, ref int position)
            {
                uint word = 0;
                for (int i = 0; i < 4; i++)
                {
                    if (position >= data.Length)
                    {
                        position = 0;
                    }

                    word = (word << 8) | data[position];
                    position++;
                }

                return word;
            }

            private void ExpandState(byte[] data, byte[] key)
            {
                int j = 0;
                for (int i = 0; i < 18; i++)
                {
                    _p[i] ^= StreamToWord(key, ref j);
                }

                j = 0;
                uint l = 0;
                uint r = 0;
                for (int i = 0; i < 18; i += 2)
                {
                    l ^= StreamToWord(data, ref j);
                    r ^= StreamToWord(data, ref j);
                    Encipher(ref l, ref r);
                    _p[i] = l;
                    _p[i + 1] = r;
                }

                for (int i = 0; i < 1024; i += 2)
                {
                    l ^= StreamToWord(data, ref j);
                    r ^= StreamToWord(data, ref j);
                    Encipher(ref l, ref r);
                    _s[i] = l;
                    _s[i + 1] = r;
                }
            }

            private void Expand0State(byte[] key)
            {
                int j = 0;
                for (int i = 0; i < 18; i++)
                {
                    _p[i] ^= StreamToWord(key, ref j);
                }

                uint l = 0;
                uint r = 0;
                for (int i = 0; i < 18; i += 2)
                {
                    Encipher(ref l, ref r);
                    _p[i] = l;
                    _p[i + 1] = r;
                }

                for (int i = 0; i < 1024; i += 2)
                {
                    Encipher(ref l, ref r);
                    _s[i] = l;
                    _s[i + 1] = r;
                }
            }

            private void Encipher(ref uint xl, ref uint xr)
            {
                uint[] s = _s;
                uint[] p = _p;
                uint l = xl ^ p[0];
                uint r = xr;
                for (int i = 1; i <= 16; i += 2)
                {
                    r ^= (((s[l >> 24] + s[0x100 | ((l >> 16) & 0xff)]) ^ s[0x200 | ((l >> 8) & 0xff)]) + s[0x300 | (l & 0xff)]) ^ p[i];
                    l ^= (((s[r >> 24] + s[0x100 | ((r >> 16) & 0xff)]) ^ s[0x200 | ((r >> 8) & 0xff)]) + s[0x300 | (r & 0xff)]) ^ p[i + 1];
                }

                xl = r ^ p[17];
                xr = l;
            }
        }
    }
}
