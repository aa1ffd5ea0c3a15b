using System;
using System.Collections.Generic;
using Renci.SshNet;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>What an access check found. On failure, <see cref="ErrorId"/> and <see cref="Message"/> say why and what to do.</summary>
    public sealed class GitAccessResult
    {
        internal GitAccessResult(GitSshUrl url, bool success, IReadOnlyList<GitRef> refs, string? defaultBranch, string? fingerprint, TimeSpan elapsed, PfaException? error, string message)
        {
            Url = url;
            Success = success;
            Refs = refs;
            DefaultBranch = defaultBranch;
            HostKeyFingerprint = fingerprint;
            Elapsed = elapsed;
            Error = error;
            ErrorId = error?.ErrorId;
            Message = message;
        }

        public GitSshUrl Url { get; }

        public bool Success { get; }

        public IReadOnlyList<GitRef> Refs { get; }

        /// <summary>The branch HEAD points to (<c>main</c> for <c>symref=HEAD:refs/heads/main</c>), when advertised.</summary>
        public string? DefaultBranch { get; }

        /// <summary>The server's host key fingerprint (<c>SHA256:...</c>), when it got that far.</summary>
        public string? HostKeyFingerprint { get; }

        public TimeSpan Elapsed { get; }

        public string? ErrorId { get; }

        public string Message { get; }

        /// <summary>The failure, for callers that want to throw it (cmdlets write it as an ErrorRecord).</summary>
        public PfaException? Error { get; }

        /// <summary>Throws <see cref="Error"/> when the check failed.</summary>
        public GitAccessResult EnsureSuccess()
        {
            if (Error != null)
            {
                throw Error;
            }

            return this;
        }
    }
}
