using System;
using Renci.SshNet;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>One advertised ref: its name (refs/heads/main, HEAD, refs/tags/v1^{}) and object id.</summary>
    public sealed class GitRef
    {
        public GitRef(string name, string objectId)
        {
            Name = name;
            ObjectId = objectId;
        }

        public string Name { get; }

        public string ObjectId { get; }

        public override string ToString() => ObjectId + "\t" + Name;
    }
}
