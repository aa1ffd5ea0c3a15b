using System;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>The current user's SSH key as stored (ssh/key.json). The private key itself lives in the vault.</summary>
    public sealed class StoredSshKey : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.sshkey";
        public const int CurrentVersion = 1;
        public const string FileName = "ssh/key.json";

        public StoredSshKey()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public SshKeyType Type { get; set; }

        public int Bits { get; set; }

        public string Comment { get; set; } = string.Empty;

        /// <summary>The OpenSSH public key line.</summary>
        public string PublicKey { get; set; } = string.Empty;

        public string Sha256Fingerprint { get; set; } = string.Empty;

        public string Md5Fingerprint { get; set; } = string.Empty;

        public DateTimeOffset CreatedOn { get; set; }

        /// <summary>The name of the private key in the vault.</summary>
        public string SecretName { get; set; } = string.Empty;

        /// <summary>The parsed public key (checked by <see cref="Validate"/>).</summary>
        public SshPublicKey ParsePublicKey() => SshPublicKey.Parse(PublicKey);

        public override void Validate()
        {
            if (string.IsNullOrWhiteSpace(SecretName))
            {
                throw new FormatException("it does not name the private key's secret");
            }

            StoredRules.RequireSecretName(SecretName, "private key");
            if (!Enum.IsDefined(typeof(SshKeyType), Type))
            {
                throw new FormatException("its key type is not one this version knows");
            }

            SshPublicKey key;
            try
            {
                key = SshPublicKey.Parse(PublicKey);
            }
            catch (PfaException ex)
            {
                throw new FormatException("its public key is not valid (" + ex.Message + ")");
            }

            if (key.KeyType != Type || key.Bits != Bits)
            {
                throw new FormatException("its key type or size does not match its public key");
            }

            if (!string.Equals(key.Sha256Fingerprint, Sha256Fingerprint, StringComparison.Ordinal))
            {
                throw new FormatException("its fingerprint does not match its public key");
            }
        }
    }
}
