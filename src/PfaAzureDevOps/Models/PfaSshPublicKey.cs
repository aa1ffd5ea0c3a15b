using System;

namespace PfaAzureDevOps
{
    /// <summary>The SSH key types New-PfaSshKey generates. Azure DevOps accepts only RSA.</summary>
    public enum PfaSshKeyType
    {
        /// <summary>ssh-rsa (3072 or 4096 bits); the only type Azure DevOps accepts.</summary>
        Rsa,

        /// <summary>ssh-ed25519, for other git servers.</summary>
        Ed25519,

        /// <summary>ecdsa-sha2-nistp256, for other git servers.</summary>
        EcdsaP256,
    }

    /// <summary>
    /// The current user's SSH public key. Its string form is the OpenSSH public key line, so
    /// <c>"$(Get-PfaSshPublicKey)"</c> and <c>Get-PfaSshPublicKey | Set-Clipboard</c> give exactly what to paste.
    /// It never carries the private key.
    /// </summary>
    public sealed class PfaSshPublicKey
    {
        public string KeyType { get; set; } = string.Empty;

        public int Bits { get; set; }

        public string Comment { get; set; } = string.Empty;

        /// <summary>The OpenSSH public key line (<c>ssh-rsa AAAA... user@machine</c>).</summary>
        public string PublicKey { get; set; } = string.Empty;

        /// <summary><c>SHA256:...</c>, as <c>ssh-keygen -l</c> prints it.</summary>
        public string Sha256Fingerprint { get; set; } = string.Empty;

        /// <summary>Hex pairs joined by ':', as Azure DevOps shows it.</summary>
        public string Md5Fingerprint { get; set; } = string.Empty;

        public DateTimeOffset CreatedOn { get; set; }

        /// <summary>Export-PfaSshKey: the private key file written; otherwise null.</summary>
        public string? Path { get; set; }

        public override string ToString() => PublicKey;
    }

    /// <summary>One ref a repository advertised.</summary>
    public sealed class PfaGitRef
    {
        public string Name { get; set; } = string.Empty;

        public string ObjectId { get; set; } = string.Empty;

        public override string ToString() => ObjectId + "\t" + Name;
    }

    /// <summary>What Test-PfaAzureDevOpsSshAccess found.</summary>
    public sealed class PfaSshAccessResult
    {
        public bool Success { get; set; }

        public string RepositoryUrl { get; set; } = string.Empty;

        public string Host { get; set; } = string.Empty;

        public int Port { get; set; }

        public string User { get; set; } = string.Empty;

        public string RepositoryPath { get; set; } = string.Empty;

        public string? DefaultBranch { get; set; }

        public PfaGitRef[] Refs { get; set; } = Array.Empty<PfaGitRef>();

        /// <summary>The server's host key fingerprint, when the connection got that far.</summary>
        public string? HostKeyFingerprint { get; set; }

        /// <summary>The fingerprint of the key that was offered.</summary>
        public string? KeyFingerprint { get; set; }

        public double ElapsedSeconds { get; set; }

        /// <summary>On failure, the stable error id (for example SshKeyNotAuthorized, HostKeyMismatch).</summary>
        public string? ErrorId { get; set; }

        /// <summary>What happened, and on failure what to do.</summary>
        public string Message { get; set; } = string.Empty;

        public override string ToString() => Message;
    }

    /// <summary>A clone made, or fetched into, by Copy- or Update-PfaAzureDevOpsRepository.</summary>
    public sealed class PfaGitRepository
    {
        /// <summary>The working tree's full path.</summary>
        public string Path { get; set; } = string.Empty;

        public string RepositoryUrl { get; set; } = string.Empty;

        /// <summary>The branch checked out (clone) or fetched (update).</summary>
        public string? Branch { get; set; }

        /// <summary>Clone: HEAD's commit. Update: the fetched branch's tip (origin/Branch).</summary>
        public string CommitId { get; set; } = string.Empty;

        public double ElapsedSeconds { get; set; }

        public override string ToString() => Path;
    }
}
