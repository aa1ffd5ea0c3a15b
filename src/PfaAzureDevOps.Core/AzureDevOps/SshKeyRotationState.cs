using System;
using System.Collections.Generic;
using System.Linq;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>
    /// A rotation in progress (ssh/rotation.json): the old key, the next key (its private key already in the vault) and,
    /// per organization, what is done. Written after every step, so a rotation killed at any point resumes from here.
    /// </summary>
    public sealed class SshKeyRotationState : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.sshkeyrotation";
        public const int CurrentVersion = 1;
        public const string FileName = "ssh/rotation.json";

        public SshKeyRotationState()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public DateTimeOffset StartedOn { get; set; }

        public string OldSha256Fingerprint { get; set; } = string.Empty;

        public string OldMd5Fingerprint { get; set; } = string.Empty;

        /// <summary>The old key's private key in the vault; deleted when the rotation ends.</summary>
        public string OldSecretName { get; set; } = string.Empty;

        /// <summary>The next key, as it will be stored once promoted.</summary>
        public StoredSshKey NewKey { get; set; } = new StoredSshKey();

        public string Description { get; set; } = string.Empty;

        public DateTimeOffset NewValidTo { get; set; }

        public List<SshKeyRotationTarget> Targets { get; set; } = new List<SshKeyRotationTarget>();

        public override void Validate()
        {
            if (OldSha256Fingerprint.Length == 0 || OldSecretName.Length == 0 || Targets.Count == 0)
            {
                throw new FormatException("it does not name the old key or any organization");
            }

            NewKey.Validate();
        }
    }
}
