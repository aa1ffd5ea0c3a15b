using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>An SSH public key: its wire blob, what it is, and the fingerprints OpenSSH and Azure DevOps show.</summary>
    public sealed class SshPublicKey
    {
        internal const string RsaName = "ssh-rsa";
        internal const string Ed25519Name = "ssh-ed25519";
        internal const string EcdsaP256Name = "ecdsa-sha2-nistp256";
        internal const string P256CurveName = "nistp256";

        // Base64 of "openssh-key-v1": the body of an OpenSSH private key file pasted without its BEGIN line.
        private const string OpenSshPrivateBodyStart = "b3BlbnNzaC1rZXktdjE";

        private readonly byte[] _blob;

        private SshPublicKey(SshKeyType keyType, byte[] blob, int bits, string comment)
        {
            KeyType = keyType;
            _blob = blob;
            Bits = bits;
            Comment = comment;
            Sha256Fingerprint = SshFingerprint.Sha256(blob);
            Md5Fingerprint = SshFingerprint.Md5(blob);
        }

        public SshKeyType KeyType { get; }

        /// <summary>The algorithm name that starts the line and the blob: <c>ssh-rsa</c>, <c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c>.</summary>
        public string AlgorithmName => GetAlgorithmName(KeyType);

        /// <summary>The modulus size for RSA; 256 for Ed25519 and ECDSA P-256 (what <c>ssh-keygen -l</c> prints).</summary>
        public int Bits { get; }

        /// <summary>The comment (may be empty).</summary>
        public string Comment { get; }

        /// <summary>A copy of the wire-format public key.</summary>
        public byte[] Blob => (byte[])_blob.Clone();

        /// <summary>The blob in base64, the middle field of the line.</summary>
        public string Base64 => Convert.ToBase64String(_blob);

        /// <summary><c>SHA256:</c> and unpadded base64, exactly as <c>ssh-keygen -l</c> prints it.</summary>
        public string Sha256Fingerprint { get; }

        /// <summary>Lower-case hex pairs joined by <c>:</c>, without a prefix: how Azure DevOps shows a key.</summary>
        public string Md5Fingerprint { get; }

        /// <summary><c>MD5:</c> and the hex pairs, as <c>ssh-keygen -l -E md5</c> prints it.</summary>
        public string Md5FingerprintWithPrefix => "MD5:" + Md5Fingerprint;

        /// <summary>The OpenSSH one-line form: <c>type base64[ comment]</c>, no trailing newline.</summary>
        public string Line => Comment.Length == 0 ? AlgorithmName + " " + Base64 : AlgorithmName + " " + Base64 + " " + Comment;

        public override string ToString() => Line;

        /// <summary>True when both are the same key (the comment is ignored).</summary>
        public bool SameKeyAs(SshPublicKey other)
        {
            if (other is null)
            {
                throw new ArgumentNullException(nameof(other));
            }

            return _blob.AsSpan().SequenceEqual(other._blob);
        }

        /// <summary>The same key with another comment.</summary>
        public SshPublicKey WithComment(string comment) => new SshPublicKey(KeyType, _blob, Bits, ValidateComment(comment));

        /// <summary>
        /// Parses one OpenSSH public key line (<c>type base64 [comment]</c>). Surrounding whitespace and a trailing
        /// newline are ignored; several lines, a pasted private key, bad base64, or a type that disagrees with the
        /// blob are refused.
        /// </summary>
        public static SshPublicKey Parse(string line)
        {
            if (line is null)
            {
                throw new ArgumentNullException(nameof(line));
            }

            string text = line.Trim();
            if ((text.IndexOf("PRIVATE KEY", StringComparison.OrdinalIgnoreCase) >= 0 && text.IndexOf("-----BEGIN", StringComparison.Ordinal) >= 0)
                || text.StartsWith("PuTTY-User-Key-File", StringComparison.Ordinal)
                || text.StartsWith(OpenSshPrivateBodyStart, StringComparison.Ordinal))
            {
                throw new PfaException(
                    ErrorIds.SshPublicKeyIsPrivate,
                    PfaErrorKind.SecurityError,
                    "This is a private key, not a public key. Never share or upload the private key; use the public key line (the .pub file, or the output of 'ssh-keygen -y -f <private key file>'), which starts with 'ssh-rsa', 'ssh-ed25519' or 'ecdsa-sha2-nistp256'.");
            }

            if (text.Length == 0)
            {
                throw Malformed("The public key is empty. Give one line of the form 'ssh-rsa AAAA... comment', as found in the .pub file.");
            }

            if (text.IndexOf('\n') >= 0 || text.IndexOf('\r') >= 0)
            {
                throw Malformed("The public key spans several lines. Give exactly one key, on one line, of the form 'ssh-rsa AAAA... comment'.");
            }

            if (text.StartsWith("---- BEGIN SSH2 PUBLIC KEY", StringComparison.Ordinal))
            {
                throw Malformed("This is an RFC 4716 (SSH2) public key. Convert it to the OpenSSH form with 'ssh-keygen -i -f <file>'.");
            }

            string[] parts = text.Split(new[] { ' ', '\t' }, 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                throw Malformed("The public key must have the form 'type base64 [comment]', for example 'ssh-rsa AAAA... user@host'.");
            }

            string typeName = parts[0];
            string comment = parts.Length > 2 ? parts[2].Trim() : string.Empty;

            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(parts[1]);
            }
            catch (FormatException)
            {
                throw Malformed("The key data (the second field) is not valid base64; it may be truncated or have been altered when it was copied.");
            }

            SshPublicKey key = FromBlob(blob, comment, out string blobType);
            if (!string.Equals(blobType, typeName, StringComparison.Ordinal))
            {
                throw Malformed("The line says the key is '" + Sanitize(typeName) + "' but the key data is '" + blobType + "'. The line was probably edited; copy it again from the .pub file.");
            }

            return key;
        }

        /// <summary>Reads a public key file (one line, as written by <c>ssh-keygen</c>).</summary>
        public static SshPublicKey FromFile(string path)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            string text;
            try
            {
                // A regular file only (never a FIFO or a device), of a bounded size, read within a bounded time.
                byte[] bytes = Rules.FileRules.ReadBounded(path, 64 * 1024, "public key file", ErrorIds.SshPublicKeyFileNotFound);
                text = new System.Text.UTF8Encoding(false).GetString(bytes);
            }
            catch (PfaException e) when (e.ErrorId == ErrorIds.FileTooLarge)
            {
                throw Malformed("The file '" + path + "' is too large to be an SSH public key.", path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new PfaException(ErrorIds.SshPublicKeyFileNotFound, PfaErrorKind.NotFound, "The public key file '" + path + "' does not exist. Check the path.", path, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new PfaException(ErrorIds.SshPublicKeyFileNotFound, PfaErrorKind.ResourceUnavailable, "The public key file '" + path + "' cannot be read (" + e.Message.TrimEnd('.') + "). Check the path and its permissions.", path, e);
            }

            try
            {
                return Parse(text);
            }
            catch (PfaException e)
            {
                throw new PfaException(e.ErrorId, e.Kind, e.Message + " (file '" + path + "')", path);
            }
        }

        /// <summary>Builds a key from its wire blob; the comment is kept as given.</summary>
        public static SshPublicKey FromBlob(byte[] blob, string? comment = null)
        {
            if (blob is null)
            {
                throw new ArgumentNullException(nameof(blob));
            }

            return FromBlob((byte[])blob.Clone(), comment ?? string.Empty, out _);
        }

        internal static SshPublicKey FromBlob(byte[] blob, string comment, out string blobType)
        {
            var reader = new SshWireReader(blob);
            SshKeyType type;
            int bits;
            try
            {
                blobType = reader.ReadAsciiString();
                switch (blobType)
                {
                    case RsaName:
                        byte[] e = reader.ReadPositiveMpint();
                        byte[] n = reader.ReadPositiveMpint();
                        if (e.Length == 0 || (e[e.Length - 1] & 1) == 0 || n.Length < 64)
                        {
                            throw new SshWireException("the RSA numbers are not those of a usable key");
                        }

                        type = SshKeyType.Rsa;
                        bits = BitLength(n);
                        break;
                    case Ed25519Name:
                        if (reader.ReadStringSegment().Count != 32)
                        {
                            throw new SshWireException("an Ed25519 key is 32 bytes");
                        }

                        type = SshKeyType.Ed25519;
                        bits = 256;
                        break;
                    case EcdsaP256Name:
                        if (reader.ReadAsciiString() != P256CurveName)
                        {
                            throw new SshWireException("the curve name disagrees with the key type");
                        }

                        byte[] q = reader.ReadString();
                        ValidateP256Point(q);
                        type = SshKeyType.EcdsaP256;
                        bits = 256;
                        break;
                    default:
                        throw new PfaException(
                            ErrorIds.SshPublicKeyUnsupportedType,
                            PfaErrorKind.InvalidArgument,
                            "The key type '" + blobType + "' is not supported. Use an 'ssh-rsa' key (the only type Azure DevOps accepts), or 'ssh-ed25519' / 'ecdsa-sha2-nistp256' for other servers.");
                }

                if (!reader.AtEnd)
                {
                    throw new SshWireException("there is extra data after the key");
                }
            }
            catch (SshWireException ex)
            {
                throw Malformed("The key data is not a valid SSH public key (" + ex.Message + "); it may be truncated. Copy the whole line again from the .pub file.");
            }

            return new SshPublicKey(type, blob, bits, comment);
        }

        internal static SshPublicKey FromTrustedBlob(SshKeyType type, byte[] blob, int bits, string comment) => new SshPublicKey(type, blob, bits, comment);

        internal static string GetAlgorithmName(SshKeyType type)
        {
            switch (type)
            {
                case SshKeyType.Rsa:
                    return RsaName;
                case SshKeyType.Ed25519:
                    return Ed25519Name;
                case SshKeyType.EcdsaP256:
                    return EcdsaP256Name;
                default:
                    throw new ArgumentOutOfRangeException(nameof(type));
            }
        }

        internal static string ValidateComment(string? comment)
        {
            comment ??= string.Empty;
            foreach (char c in comment)
            {
                if (c == '\r' || c == '\n' || c == '\0')
                {
                    throw new PfaException(ErrorIds.SshKeyInvalidComment, PfaErrorKind.InvalidArgument, "The key comment must be a single line (no line breaks or NUL characters).");
                }
            }

            return comment.Trim();
        }

        internal static void ValidateP256Point(byte[] q)
        {
            if (q.Length != 65 || q[0] != 4)
            {
                throw new SshWireException("an ECDSA P-256 key is an uncompressed 65-byte point");
            }

            try
            {
                X9ECParameters curve = ECNamedCurveTable.GetByName("P-256");
                if (!curve.Curve.DecodePoint(q).IsValid())
                {
                    throw new SshWireException("the ECDSA point is not on the P-256 curve");
                }
            }
            catch (ArgumentException)
            {
                throw new SshWireException("the ECDSA point is not on the P-256 curve");
            }
        }

        internal static int BitLength(byte[] unsignedBigEndian)
        {
            int i = 0;
            while (i < unsignedBigEndian.Length && unsignedBigEndian[i] == 0)
            {
                i++;
            }

            if (i == unsignedBigEndian.Length)
            {
                return 0;
            }

            int bits = (unsignedBigEndian.Length - i - 1) * 8;
            for (int top = unsignedBigEndian[i]; top != 0; top >>= 1)
            {
                bits++;
            }

            return bits;
        }

        private static string Sanitize(string value)
        {
            if (value.Length > 40)
            {
                value = value.Substring(0, 40) + "...";
            }

            var sb = new StringBuilder(value.Length);
            foreach (char c in value)
            {
                sb.Append(c < 0x20 || c > 0x7e ? '?' : c);
            }

            return sb.ToString();
        }

        private static PfaException Malformed(string message, object? target = null) =>
            new PfaException(ErrorIds.SshPublicKeyMalformed, PfaErrorKind.InvalidData, message, target);
    }
}
