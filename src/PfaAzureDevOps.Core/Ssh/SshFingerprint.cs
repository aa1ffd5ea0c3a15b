using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>
    /// The one implementation of what an SSH public key blob says about itself: its OpenSSH fingerprints and its key type.
    /// Used for the user's keys (<see cref="SshPublicKey"/>) and for servers' host keys (the SSH transport).
    /// </summary>
    public static class SshFingerprint
    {
        /// <summary>The OpenSSH SHA-256 fingerprint: <c>SHA256:</c> + unpadded base64 of the blob's digest.</summary>
        public static string Sha256(byte[] blob)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
            }
        }

        /// <summary>The MD5 fingerprint as colon-separated hex pairs (no prefix), as Azure DevOps shows it.</summary>
        public static string Md5(byte[] blob)
        {
            // BouncyCastle's MD5: .NET's may be refused on FIPS-enforcing Windows.
            var md5 = new MD5Digest();
            md5.BlockUpdate(blob, 0, blob.Length);
            byte[] hash = new byte[md5.GetDigestSize()];
            md5.DoFinal(hash, 0);
            var sb = new StringBuilder(hash.Length * 3);
            for (int i = 0; i < hash.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(':');
                }

                sb.Append(hash[i].ToString("x2", CultureInfo.InvariantCulture));
            }

            return sb.ToString();
        }

        /// <summary>The first SSH string of a public key blob: its key type (ssh-rsa, ssh-ed25519, ...), or "unknown".</summary>
        public static string ReadKeyType(byte[] blob)
        {
            if (blob.Length < 4)
            {
                return "unknown";
            }

            int length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
            if (length <= 0 || length > blob.Length - 4 || length > 64)
            {
                return "unknown";
            }

            return Encoding.ASCII.GetString(blob, 4, length);
        }
    }
}
