using System;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>One step of a rotation's plan.</summary>
    public sealed class SshKeyRotationStep
    {
        public SshKeyRotationStep(string target, string action)
        {
            Target = target;
            Action = action;
        }

        /// <summary>What the step changes: an organization, a repository, or this machine.</summary>
        public string Target { get; }

        public string Action { get; }

        public override string ToString() => $"{Action} ({Target})";
    }
}
