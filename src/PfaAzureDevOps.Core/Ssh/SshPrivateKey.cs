using System;
using System.IO;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Reads private keys: <c>openssh-key-v1</c> (plain, or bcrypt + aes-ctr as ssh-keygen writes them) and PEM (PKCS#1, SEC1, PKCS#8).</summary>
    public static class SshPrivateKey
    {
        private const int MaxFileSize = 1024 * 1024;

        /// <summary>Parses private key text. <paramref name="passphrase"/> may be null for an unencrypted key.</summary>
        public static SshKeyPair Load(string text, string? passphrase = null)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            return Load(text.ToCharArray(), passphrase.AsSpan(), clearText: true);
        }

        /// <summary>Parses private key text given as bytes (ASCII/UTF-8), so the caller can clear them afterwards.</summary>
        public static SshKeyPair Load(byte[] text, ReadOnlySpan<char> passphrase)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            char[] chars = Encoding.UTF8.GetChars(text);
            return Load(chars, passphrase, clearText: true);
        }

        /// <summary>Parses private key text (bytes the caller clears) with a passphrase as a char array (null: none), for callers without span types.</summary>
        public static SshKeyPair FromText(byte[] text, char[]? passphrase) =>
            Load(text, passphrase is null ? ReadOnlySpan<char>.Empty : passphrase.AsSpan());

        /// <summary>Reads a private key file.</summary>
        public static SshKeyPair FromFile(string path, string? passphrase = null)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            byte[] bytes;
            try
            {
                bytes = Rules.FileRules.ReadBounded(path, MaxFileSize, "private key file", ErrorIds.SshPrivateKeyFileNotFound);
            }
            catch (PfaException e) when (e.ErrorId == ErrorIds.FileTooLarge)
            {
                throw Unrecognized("The file '" + path + "' is too large to be an SSH private key.", path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyFileNotFound, PfaErrorKind.NotFound, "The private key file '" + path + "' does not exist. Check the path.", path, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyFileNotFound, PfaErrorKind.ResourceUnavailable, "The private key file '" + path + "' cannot be read (" + e.Message.TrimEnd('.') + "). Check the path and its permissions.", path, e);
            }

            try
            {
                return Load(bytes, passphrase.AsSpan());
            }
            catch (PfaException e)
            {
                throw new PfaException(e.ErrorId, e.Kind, e.Message + " (file '" + path + "')", path);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        private static SshKeyPair Load(char[] text, ReadOnlySpan<char> passphrase, bool clearText)
        {
            try
            {
                int begin = IndexOf(text, OpenSshKeyFormat.BeginMarker, 0);
                if (begin >= 0)
                {
                    int start = begin + OpenSshKeyFormat.BeginMarker.Length;
                    int end = IndexOf(text, OpenSshKeyFormat.EndMarker, start);
                    if (end < 0)
                    {
                        throw Corrupt("the END line is missing; the file may be truncated");
                    }

                    byte[] binary = DecodeBase64(text, start, end);
                    try
                    {
                        return OpenSshKeyFormat.Read(binary, passphrase);
                    }
                    finally
                    {
                        Array.Clear(binary, 0, binary.Length);
                    }
                }

                if (IndexOf(text, "-----BEGIN ", 0) >= 0 && IndexOf(text, "PRIVATE KEY-----", 0) >= 0)
                {
                    return LoadPem(text, passphrase);
                }

                if (IndexOf(text, "PuTTY-User-Key-File", 0) >= 0)
                {
                    throw Unrecognized("This is a PuTTY (.ppk) key. Convert it with 'puttygen key.ppk -O private-openssh-new -o key' first.", null);
                }

                throw Unrecognized("This is not an SSH private key: expected text starting with '-----BEGIN OPENSSH PRIVATE KEY-----' (or a PEM 'PRIVATE KEY').", null);
            }
            finally
            {
                if (clearText)
                {
                    Array.Clear(text, 0, text.Length);
                }
            }
        }

        private static SshKeyPair LoadPem(char[] text, ReadOnlySpan<char> passphrase)
        {
            char[]? password = passphrase.IsEmpty ? null : passphrase.ToArray();
            object? obj;
            try
            {
                using (var reader = new CharArrayReader(text))
                {
                    var pem = new PemReader(reader, new PasswordFinder(password));
                    obj = pem.ReadObject();
                }
            }
            catch (PasswordException)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyPassphraseRequired, PfaErrorKind.Authentication, "The private key is protected by a passphrase. Give the passphrase.");
            }
            catch (Exception e) when (e is IOException || e is InvalidCipherTextException || e is ArgumentException || e is InvalidOperationException || e is FormatException || e is InvalidCastException)
            {
                if (password != null && IndexOf(text, "ENCRYPTED", 0) >= 0)
                {
                    throw new PfaException(ErrorIds.SshPrivateKeyWrongPassphrase, PfaErrorKind.Authentication, "The passphrase is not the one that protects this private key (or the key is damaged). Give the right passphrase.");
                }

                throw Corrupt("the PEM data cannot be read: " + e.GetType().Name);
            }
            finally
            {
                if (password != null)
                {
                    Array.Clear(password, 0, password.Length);
                }
            }

            AsymmetricKeyParameter? key = obj is AsymmetricCipherKeyPair pair ? pair.Private : obj as AsymmetricKeyParameter;
            try
            {
                switch (key)
                {
                    case RsaPrivateCrtKeyParameters rsa:
                        return Rebuild(SshPublicKey.RsaName, w =>
                        {
                            w.WriteMpint(rsa.Modulus.ToByteArrayUnsigned());
                            w.WriteMpint(rsa.PublicExponent.ToByteArrayUnsigned());
                            w.WriteMpint(rsa.Exponent.ToByteArrayUnsigned());
                            w.WriteMpint(rsa.QInv.ToByteArrayUnsigned());
                            w.WriteMpint(rsa.P.ToByteArrayUnsigned());
                            w.WriteMpint(rsa.Q.ToByteArrayUnsigned());
                        });
                    case Ed25519PrivateKeyParameters ed:
                        byte[] seed = ed.GetEncoded();
                        try
                        {
                            return SshKeyMaterial.FromEd25519(seed, ed.GeneratePublicKey().GetEncoded(), string.Empty);
                        }
                        finally
                        {
                            Array.Clear(seed, 0, seed.Length);
                        }

                    case ECPrivateKeyParameters ec when ec.Parameters.Curve.Equals(SshKeyMaterial.P256Curve.Curve):
                        byte[] d = ec.D.ToByteArrayUnsigned();
                        try
                        {
                            return SshKeyMaterial.FromEcdsaP256(SshKeyMaterial.P256PublicFromPrivate(ec.D), d, string.Empty);
                        }
                        finally
                        {
                            Array.Clear(d, 0, d.Length);
                        }

                    case null:
                        throw Unrecognized("The PEM block holds no private key.", null);
                    default:
                        throw new PfaException(ErrorIds.SshPrivateKeyUnsupported, PfaErrorKind.InvalidData, "This kind of private key is not supported. Use an RSA (the only type Azure DevOps accepts), Ed25519 or ECDSA P-256 key.");
                }
            }
            catch (SshWireException e)
            {
                throw Corrupt(e.Message);
            }
        }

        /// <summary>Encodes fields the way the openssh-key-v1 private section holds them and reads them back, which checks them.</summary>
        private static SshKeyPair Rebuild(string typeName, Action<SshWireWriter> write)
        {
            using (var writer = new SshWireWriter(4096))
            {
                write(writer);
                writer.WriteString(Array.Empty<byte>());
                byte[] fields = writer.ToArray();
                try
                {
                    var reader = new SshWireReader(fields);
                    return SshKeyMaterial.ReadPrivateFields(typeName, reader, () => Encoding.UTF8.GetString(reader.ReadString()));
                }
                finally
                {
                    Array.Clear(fields, 0, fields.Length);
                }
            }
        }

        private static byte[] DecodeBase64(char[] text, int start, int end)
        {
            char[] clean = new char[end - start];
            int count = 0;
            try
            {
                for (int i = start; i < end; i++)
                {
                    char c = text[i];
                    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                    {
                        continue;
                    }

                    clean[count++] = c;
                }

                try
                {
                    return Convert.FromBase64CharArray(clean, 0, count);
                }
                catch (FormatException)
                {
                    throw Corrupt("its text is not valid base64");
                }
            }
            finally
            {
                Array.Clear(clean, 0, clean.Length);
            }
        }

        private static int IndexOf(char[] text, string value, int start)
        {
            for (int i = start; i + value.Length <= text.Length; i++)
            {
                int j = 0;
                while (j < value.Length && text[i + j] == value[j])
                {
                    j++;
                }

                if (j == value.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static PfaException Corrupt(string detail) =>
            new PfaException(ErrorIds.SshPrivateKeyCorrupt, PfaErrorKind.InvalidData, "The private key is damaged (" + detail + "). Restore it from a backup or generate a new key.");

        private static PfaException Unrecognized(string message, object? target) =>
            new PfaException(ErrorIds.SshPrivateKeyUnrecognized, PfaErrorKind.InvalidData, message, target);

        private sealed class PasswordFinder : IPasswordFinder
        {
            private readonly char[]? _password;

            public PasswordFinder(char[]? password)
            {
                _password = password;
            }

            public char[] GetPassword()
            {
                if (_password is null)
                {
                    throw new PasswordException("A passphrase is needed.");
                }

                return (char[])_password.Clone();
            }
        }

        private sealed class CharArrayReader : TextReader
        {
            private readonly char[] _text;
            private int _position;

            public CharArrayReader(char[] text)
            {
                _text = text;
            }

            public override int Peek() => _position < _text.Length ? _text[_position] : -1;

            public override int Read() => _position < _text.Length ? _text[_position++] : -1;

            public override int Read(char[] buffer, int index, int count)
            {
                int n = Math.Min(count, _text.Length - _position);
                if (n <= 0)
                {
                    return 0;
                }

                Array.Copy(_text, _position, buffer, index, n);
                _position += n;
                return n;
            }
        }
    }
}
