using System;
using System.IO;
using System.Text;
using Renci.SshNet;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>
    /// A generated or loaded SSH key pair. The private part lives only in a byte array (the type-specific fields of
    /// an <c>openssh-key-v1</c> private section) that <see cref="Dispose"/> clears.
    /// </summary>
    public sealed class SshKeyPair : IDisposable
    {
        private byte[]? _privateFields;

        internal SshKeyPair(SshPublicKey publicKey, byte[] privateFields)
        {
            PublicKey = publicKey;
            _privateFields = privateFields;
        }

        public SshPublicKey PublicKey { get; private set; }

        public SshKeyType Type => PublicKey.KeyType;

        public int Bits => PublicKey.Bits;

        public string Comment => PublicKey.Comment;

        /// <summary>The OpenSSH one-line public key (<c>ssh-rsa AAAA... comment</c>), no trailing newline.</summary>
        public string PublicKeyLine => PublicKey.Line;

        /// <summary>A copy of the wire-format public key.</summary>
        public byte[] PublicKeyBlob => PublicKey.Blob;

        /// <summary><c>SHA256:</c> and unpadded base64, as <c>ssh-keygen -l</c> prints it.</summary>
        public string Sha256Fingerprint => PublicKey.Sha256Fingerprint;

        /// <summary>Lower-case hex pairs joined by <c>:</c> without prefix, as Azure DevOps shows it.</summary>
        public string Md5Fingerprint => PublicKey.Md5Fingerprint;

        /// <summary><c>MD5:</c> and the hex pairs, as <c>ssh-keygen -l -E md5</c> prints it.</summary>
        public string Md5FingerprintWithPrefix => PublicKey.Md5FingerprintWithPrefix;

        public bool IsDisposed => _privateFields is null;

        /// <summary>Changes the comment (kept in both the public line and the private key file).</summary>
        public void SetComment(string comment)
        {
            PublicKey = PublicKey.WithComment(SshPublicKey.ValidateComment(comment));
        }

        /// <summary>The private key as <c>-----BEGIN OPENSSH PRIVATE KEY-----</c> text (ASCII bytes, LF line ends) that the caller can clear.</summary>
        public byte[] ToOpenSshPrivateKeyBytes(ReadOnlySpan<char> passphrase)
        {
            return OpenSshKeyFormat.Write(this, GetPrivateFields(), passphrase);
        }

        /// <summary>The private key as unencrypted <c>openssh-key-v1</c> text bytes.</summary>
        public byte[] ToOpenSshPrivateKeyBytes() => ToOpenSshPrivateKeyBytes(ReadOnlySpan<char>.Empty);

        /// <summary>
        /// The private key as <c>-----BEGIN OPENSSH PRIVATE KEY-----</c> text; with a non-empty passphrase it is
        /// encrypted the way <c>ssh-keygen</c> does it (aes256-ctr, bcrypt KDF, 16 rounds).
        /// </summary>
        public string ToOpenSshPrivateKey(string? passphrase = null) => ToOpenSshPrivateKey(passphrase.AsSpan());

        public string ToOpenSshPrivateKey(ReadOnlySpan<char> passphrase)
        {
            byte[] bytes = ToOpenSshPrivateKeyBytes(passphrase);
            try
            {
                return Encoding.ASCII.GetString(bytes);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>An SSH.NET key source for the transport layer. Dispose it after use.</summary>
        internal PrivateKeyFile ToSshNetKeySource()
        {
            byte[] text = ToOpenSshPrivateKeyBytes();
            try
            {
                using (var stream = new MemoryStream(text, writable: false))
                {
                    return new PrivateKeyFile(stream);
                }
            }
            finally
            {
                Array.Clear(text, 0, text.Length);
            }
        }

        /// <summary>Clears the private key material; afterwards only the public properties work.</summary>
        public void Dispose()
        {
            byte[]? fields = _privateFields;
            _privateFields = null;
            if (fields != null)
            {
                Array.Clear(fields, 0, fields.Length);
            }
        }

        public override string ToString() => Type + " " + Bits + " " + Sha256Fingerprint;

        private byte[] GetPrivateFields()
        {
            byte[]? fields = _privateFields;
            if (fields is null)
            {
                throw new ObjectDisposedException(nameof(SshKeyPair), "The private key has been cleared (the key pair was disposed).");
            }

            return fields;
        }
    }
}
