using System;
using System.IO;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>What a clone or fetch produced.</summary>
    public sealed class GitCommandResult
    {
        internal GitCommandResult(string path, string? branch, string commitId, TimeSpan elapsed)
        {
            Path = path;
            Branch = branch;
            CommitId = commitId;
            Elapsed = elapsed;
        }

        /// <summary>The repository's working tree (full path).</summary>
        public string Path { get; }

        /// <summary>The branch checked out (clone) or fetched (fetch); null for a detached HEAD.</summary>
        public string? Branch { get; }

        /// <summary>Clone: HEAD's commit. Fetch: the fetched branch's tip (refs/remotes/origin/{Branch}).</summary>
        public string CommitId { get; }

        public TimeSpan Elapsed { get; }
    }
}
