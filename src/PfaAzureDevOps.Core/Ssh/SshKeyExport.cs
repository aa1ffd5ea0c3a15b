using System;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>What <see cref="SshKeyStore.Export"/> wrote.</summary>
    public sealed class SshKeyExport
    {
        internal SshKeyExport(StoredSshKey key, string privateKeyPath, string publicKeyPath, bool encrypted)
        {
            Key = key;
            PrivateKeyPath = privateKeyPath;
            PublicKeyPath = publicKeyPath;
            Encrypted = encrypted;
        }

        public StoredSshKey Key { get; }

        public string PrivateKeyPath { get; }

        public string PublicKeyPath { get; }

        public bool Encrypted { get; }
    }
}
