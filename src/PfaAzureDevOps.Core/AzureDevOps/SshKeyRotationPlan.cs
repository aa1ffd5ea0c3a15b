using System;
using System.Collections.Generic;
using System.Linq;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.Ssh;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>What a rotation will do (or would do, for -WhatIf): the organizations, the old key there, and whether it resumes.</summary>
    public sealed class SshKeyRotationPlan
    {
        internal SshKeyRotationPlan(StoredSshKey current, SshKeyRotationState? pending, List<SshKeyRotationTarget> targets, List<string> notRegistered)
        {
            Current = current;
            Pending = pending;
            Targets = targets;
            NotRegisteredIn = notRegistered;
        }

        /// <summary>The stored key now (the old key, or already the new one when a resumed rotation had promoted it).</summary>
        public StoredSshKey Current { get; }

        /// <summary>
        /// The size of the key the rotation makes: the current key's, except that RSA keys are made with 3072 or 4096 bits
        /// only (as New-PfaSshKey makes them), so an imported RSA key of another size (2048 and up are accepted) is
        /// replaced by one of 3072 bits (up to 3072) or 4096 bits (above).
        /// </summary>
        public int NewKeyBits => Current.Type != SshKeyType.Rsa ? Current.Bits : Current.Bits <= 3072 ? 3072 : 4096;

        /// <summary>
        /// Null, or why the new key is smaller than the current one (an imported RSA key above 4096 bits, which the
        /// rotation replaces by a 4096-bit key): the cmdlet says it as a warning before anything is done.
        /// </summary>
        public string? SmallerKeyWarning => NewKeyBits < Current.Bits
            ? $"Your SSH key is {TypeName(Current.Type)} {Current.Bits}-bit; the new key will be {TypeName(Current.Type)} {NewKeyBits}-bit, smaller (the module makes RSA keys of 3072 or 4096 bits only). To keep a larger key, make one yourself (ssh-keygen -t rsa -b {Current.Bits}), then Import-PfaSshKey -Force it and add it with Add-AzDevOpsSshKey instead of rotating."
            : null;

        /// <summary>A key type as the plan and the progress say it: "RSA", "Ed25519", "EcdsaP256".</summary>
        internal static string TypeName(SshKeyType type) => type == SshKeyType.Rsa ? "RSA" : type.ToString();

        /// <summary>The rotation in progress, when this run resumes one.</summary>
        public SshKeyRotationState? Pending { get; }

        public bool IsResume => Pending != null;

        public IReadOnlyList<SshKeyRotationTarget> Targets { get; }

        /// <summary>Organizations asked for where the old key is not registered (left alone).</summary>
        public IReadOnlyList<string> NotRegisteredIn { get; }

        /// <summary>The fewest whole days left of the old key among the organizations (null when none has a date).</summary>
        public int? MinDaysLeft(DateTimeOffset now)
        {
            int? min = null;
            foreach (SshKeyRotationTarget t in Targets)
            {
                if (t.OldValidTo is DateTimeOffset to)
                {
                    int days = (int)Math.Floor((to - now).TotalDays);
                    min = min is null ? days : Math.Min(min.Value, days);
                }
            }

            return min;
        }

        /// <summary>The steps still to do, in order: what each does, and to what.</summary>
        public IReadOnlyList<SshKeyRotationStep> Steps(IReadOnlyList<GitSshUrl> repositories)
        {
            var steps = new List<SshKeyRotationStep>();
            const string machine = "this machine";
            string newKey = Pending != null ? $"the new key MD5:{Pending.NewKey.Md5Fingerprint}" : "the new key";
            string oldKey = $"the old key MD5:{(Pending?.OldMd5Fingerprint ?? Current.Md5Fingerprint)}";
            bool promoted = Pending != null && Current.Sha256Fingerprint == Pending.NewKey.Sha256Fingerprint;
            if (Pending is null)
            {
                string type = TypeName(Current.Type);
                steps.Add(new SshKeyRotationStep(machine, $"Generate a new {type} {NewKeyBits}-bit key, kept aside ({oldKey} stays in use)"));
            }

            foreach (SshKeyRotationTarget t in Targets.Where(t => t.NewKeyId is null))
            {
                steps.Add(new SshKeyRotationStep(t.Organization, $"Add {newKey}"));
            }

            if (!promoted)
            {
                foreach (GitSshUrl url in repositories)
                {
                    steps.Add(new SshKeyRotationStep(url.ToString(), $"Prove that {newKey} can clone"));
                }

                steps.Add(new SshKeyRotationStep(machine, $"Make {newKey} the SSH key in use"));
            }

            foreach (SshKeyRotationTarget t in Targets.Where(t => !t.OldRemoved))
            {
                steps.Add(new SshKeyRotationStep(t.Organization, $"Remove {oldKey} (id {t.OldKeyId})"));
            }

            steps.Add(new SshKeyRotationStep(machine, $"Delete the private key of {oldKey}"));
            return steps;
        }
    }
}
