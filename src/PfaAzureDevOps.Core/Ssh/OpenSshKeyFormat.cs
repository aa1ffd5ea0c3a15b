using System;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>The <c>openssh-key-v1</c> private key container (OpenSSH's PROTOCOL.key), written and read.</summary>
    internal static class OpenSshKeyFormat
    {
        public const string BeginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----";
        public const string EndMarker = "-----END OPENSSH PRIVATE KEY-----";
        public const int DefaultRounds = 16;
        private const int SaltLength = 16;
        private const int LineLength = 70;
        private static readonly byte[] Magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

        public static byte[] Write(SshKeyPair pair, byte[] privateFields, ReadOnlySpan<char> passphrase)
        {
            bool encrypt = !passphrase.IsEmpty;
            int blockSize = encrypt ? 16 : 8;
            byte[] checkBytes = new byte[4];
            byte[] salt = new byte[SaltLength];
            using (RandomNumberGenerator rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(checkBytes);
                rng.GetBytes(salt);
            }

            uint check = BitConverter.ToUInt32(checkBytes, 0);
            byte[]? section = null;
            byte[]? binary = null;
            try
            {
                using (var priv = new SshWireWriter(privateFields.Length + 128))
                {
                    priv.WriteUInt32(check);
                    priv.WriteUInt32(check);
                    priv.WriteString(pair.PublicKey.AlgorithmName);
                    priv.WriteRaw(privateFields);
                    priv.WriteString(pair.Comment);
                    for (byte pad = 1; priv.Length % blockSize != 0; pad++)
                    {
                        priv.WriteByte(pad);
                    }

                    section = priv.ToArray();
                }

                if (encrypt)
                {
                    ApplyCtr(section, passphrase, salt, DefaultRounds, keyLength: 32);
                }

                using (var outer = new SshWireWriter(section.Length + 512))
                {
                    outer.WriteRaw(Magic);
                    outer.WriteString(encrypt ? "aes256-ctr" : "none");
                    outer.WriteString(encrypt ? "bcrypt" : "none");
                    if (encrypt)
                    {
                        using (var options = new SshWireWriter())
                        {
                            options.WriteString(salt);
                            options.WriteUInt32(DefaultRounds);
                            outer.WriteString(options.ToArray());
                        }
                    }
                    else
                    {
                        outer.WriteString(Array.Empty<byte>());
                    }

                    outer.WriteUInt32(1);
                    outer.WriteString(pair.PublicKeyBlob);
                    outer.WriteString(section);
                    binary = outer.ToArray();
                }

                return Armor(binary);
            }
            finally
            {
                if (section != null)
                {
                    Array.Clear(section, 0, section.Length);
                }

                if (binary != null)
                {
                    Array.Clear(binary, 0, binary.Length);
                }
            }
        }

        /// <summary>Parses the decoded (binary) container. Throws PfaExceptions with the SshPrivateKey* ids.</summary>
        public static SshKeyPair Read(byte[] binary, ReadOnlySpan<char> passphrase)
        {
            string cipher;
            string kdf;
            byte[] kdfOptions;
            byte[] outerPublic;
            byte[] section;
            int trailing;
            try
            {
                if (binary.Length < Magic.Length || !binary.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                {
                    throw Corrupt("it does not start with 'openssh-key-v1'");
                }

                var reader = new SshWireReader(binary, Magic.Length, binary.Length - Magic.Length);
                cipher = reader.ReadAsciiString();
                kdf = reader.ReadAsciiString();
                kdfOptions = reader.ReadString();
                uint count = reader.ReadUInt32();
                if (count != 1)
                {
                    throw new PfaException(ErrorIds.SshPrivateKeyUnsupported, PfaErrorKind.InvalidData, "The private key file holds " + count + " keys; only files with exactly one key are supported.");
                }

                outerPublic = reader.ReadString();
                section = reader.ReadString();

                // AEAD ciphers (chacha20-poly1305, aes-gcm) append a tag here; they are refused below as unsupported.
                trailing = reader.Remaining;
            }
            catch (SshWireException e)
            {
                throw Corrupt(e.Message);
            }

            bool encrypted;
            int keyLength = 0;
            if (cipher == "none" && kdf == "none")
            {
                encrypted = false;
            }
            else if (kdf == "bcrypt" && (cipher == "aes256-ctr" || cipher == "aes192-ctr" || cipher == "aes128-ctr"))
            {
                encrypted = true;
                keyLength = cipher == "aes256-ctr" ? 32 : cipher == "aes192-ctr" ? 24 : 16;
            }
            else
            {
                throw new PfaException(
                    ErrorIds.SshPrivateKeyUnsupported,
                    PfaErrorKind.InvalidData,
                    "The private key is encrypted with cipher '" + cipher + "' and KDF '" + kdf + "', which are not supported. Re-encrypt it with 'ssh-keygen -p -Z aes256-ctr -f <file>'.");
            }

            if (trailing != 0)
            {
                throw Corrupt("there is extra data after the key");
            }

            int blockSize = encrypted ? 16 : 8;
            if (section.Length == 0 || section.Length % blockSize != 0)
            {
                throw Corrupt("the private section has a wrong length");
            }

            try
            {
                if (encrypted)
                {
                    if (passphrase.IsEmpty)
                    {
                        throw new PfaException(ErrorIds.SshPrivateKeyPassphraseRequired, PfaErrorKind.Authentication, "The private key is protected by a passphrase. Give the passphrase.");
                    }

                    byte[] salt;
                    uint rounds;
                    try
                    {
                        var options = new SshWireReader(kdfOptions);
                        salt = options.ReadString();
                        rounds = options.ReadUInt32();
                        if (!options.AtEnd || salt.Length == 0 || salt.Length > 1024 || rounds == 0 || rounds > 100000)
                        {
                            throw new SshWireException("the KDF options are not valid");
                        }
                    }
                    catch (SshWireException e)
                    {
                        throw Corrupt(e.Message);
                    }

                    ApplyCtr(section, passphrase, salt, (int)rounds, keyLength);
                }

                return ReadSection(section, outerPublic, encrypted);
            }
            finally
            {
                Array.Clear(section, 0, section.Length);
            }
        }

        public static byte[] Armor(byte[] binary)
        {
            char[] base64 = new char[((binary.Length + 2) / 3) * 4];
            byte[]? result = null;
            try
            {
                int length = Convert.ToBase64CharArray(binary, 0, binary.Length, base64, 0);
                int lines = (length + LineLength - 1) / LineLength;
                result = new byte[BeginMarker.Length + 1 + length + lines + EndMarker.Length + 1];
                int pos = Encoding.ASCII.GetBytes(BeginMarker, 0, BeginMarker.Length, result, 0);
                result[pos++] = (byte)'\n';
                for (int i = 0; i < length; i++)
                {
                    result[pos++] = (byte)base64[i];
                    if ((i + 1) % LineLength == 0 || i == length - 1)
                    {
                        result[pos++] = (byte)'\n';
                    }
                }

                pos += Encoding.ASCII.GetBytes(EndMarker, 0, EndMarker.Length, result, pos);
                result[pos] = (byte)'\n';
                return result;
            }
            finally
            {
                Array.Clear(base64, 0, base64.Length);
            }
        }

        private static SshKeyPair ReadSection(byte[] section, byte[] outerPublic, bool encrypted)
        {
            try
            {
                var reader = new SshWireReader(section);
                uint check1 = reader.ReadUInt32();
                uint check2 = reader.ReadUInt32();
                if (check1 != check2)
                {
                    if (encrypted)
                    {
                        throw new PfaException(ErrorIds.SshPrivateKeyWrongPassphrase, PfaErrorKind.Authentication, "The passphrase is not the one that protects this private key. Give the right passphrase.");
                    }

                    throw Corrupt("its check numbers differ");
                }

                string typeName = reader.ReadAsciiString();
                string comment = string.Empty;
                SshKeyPair pair = SshKeyMaterial.ReadPrivateFields(typeName, reader, () =>
                {
                    byte[] raw = reader.ReadString();
                    comment = Encoding.UTF8.GetString(raw);
                    return comment.IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0 ? comment.Replace('\r', ' ').Replace('\n', ' ').Replace('\0', ' ') : comment;
                });

                try
                {
                    for (int pad = 1; !reader.AtEnd; pad++)
                    {
                        if (section[reader.Position] != (byte)pad)
                        {
                            throw new SshWireException("the padding is wrong");
                        }

                        reader = new SshWireReader(section, reader.Position + 1, reader.Remaining - 1);
                    }

                    if (!pair.PublicKeyBlob.AsSpan().SequenceEqual(outerPublic))
                    {
                        throw new SshWireException("the public key does not match the private key");
                    }
                }
                catch
                {
                    pair.Dispose();
                    throw;
                }

                return pair;
            }
            catch (SshWireException e)
            {
                throw Corrupt(e.Message);
            }
        }

        private static void ApplyCtr(byte[] data, ReadOnlySpan<char> passphrase, byte[] salt, int rounds, int keyLength)
        {
            byte[] password = EncodePassphrase(passphrase);
            byte[] keyAndIv = new byte[keyLength + 16];
            byte[] iv = new byte[16];
            byte[] key = new byte[keyLength];
            try
            {
                BcryptPbkdf.DeriveKey(password, salt, rounds, keyAndIv);
                Buffer.BlockCopy(keyAndIv, 0, key, 0, keyLength);
                Buffer.BlockCopy(keyAndIv, keyLength, iv, 0, 16);
                var ctr = new SicBlockCipher(new AesEngine());
                ctr.Init(true, new ParametersWithIV(new KeyParameter(key), iv));
                for (int offset = 0; offset < data.Length; offset += 16)
                {
                    ctr.ProcessBlock(data, offset, data, offset);
                }

                ctr.Reset();
            }
            finally
            {
                Array.Clear(password, 0, password.Length);
                Array.Clear(keyAndIv, 0, keyAndIv.Length);
                Array.Clear(key, 0, key.Length);
            }
        }

        private static byte[] EncodePassphrase(ReadOnlySpan<char> passphrase)
        {
            char[] chars = passphrase.ToArray();
            try
            {
                return Encoding.UTF8.GetBytes(chars);
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }

        private static PfaException Corrupt(string detail) =>
            new PfaException(
                ErrorIds.SshPrivateKeyCorrupt,
                PfaErrorKind.InvalidData,
                "The private key is damaged (" + detail + "). Restore it from a backup or generate a new key.");
    }
}
