using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Conversions between the engine's SSH and git types and the cmdlets' output types.</summary>
    internal static class SshModel
    {
        public static Core.Ssh.SshKeyType ToCore(PfaSshKeyType type)
        {
            switch (type)
            {
                case PfaSshKeyType.Ed25519: return Core.Ssh.SshKeyType.Ed25519;
                case PfaSshKeyType.EcdsaP256: return Core.Ssh.SshKeyType.EcdsaP256;
                default: return Core.Ssh.SshKeyType.Rsa;
            }
        }

        public static PfaSshKeyType ToOutput(Core.Ssh.SshKeyType type)
        {
            switch (type)
            {
                case Core.Ssh.SshKeyType.Ed25519: return PfaSshKeyType.Ed25519;
                case Core.Ssh.SshKeyType.EcdsaP256: return PfaSshKeyType.EcdsaP256;
                default: return PfaSshKeyType.Rsa;
            }
        }

        public static PfaSshPublicKey ToOutput(Core.Ssh.StoredSshKey key, string? path = null) => new PfaSshPublicKey
        {
            KeyType = ToOutput(key.Type).ToString(),
            Bits = key.Bits,
            Comment = key.Comment,
            PublicKey = key.PublicKey,
            Sha256Fingerprint = key.Sha256Fingerprint,
            Md5Fingerprint = key.Md5Fingerprint,
            CreatedOn = key.CreatedOn,
            Path = path,
        };

        public static PfaSshAccessResult ToOutput(Core.Git.GitAccessResult result, string? keyFingerprint)
        {
            var refs = new List<PfaGitRef>();
            foreach (Core.Git.GitRef r in result.Refs)
            {
                refs.Add(new PfaGitRef { Name = r.Name, ObjectId = r.ObjectId });
            }

            return new PfaSshAccessResult
            {
                Success = result.Success,
                RepositoryUrl = result.Url.ToString(),
                Host = result.Url.Host,
                Port = result.Url.Port,
                User = result.Url.User,
                RepositoryPath = result.Url.Path,
                DefaultBranch = result.DefaultBranch,
                Refs = refs.ToArray(),
                HostKeyFingerprint = result.HostKeyFingerprint,
                KeyFingerprint = keyFingerprint,
                ElapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 3),
                ErrorId = result.ErrorId,
                Message = result.Message,
            };
        }

        public static PfaGitRepository ToOutput(Core.Git.GitCommandResult result, Core.Git.GitSshUrl url) => new PfaGitRepository
        {
            Path = result.Path,
            RepositoryUrl = url.ToString(),
            Branch = result.Branch,
            CommitId = result.CommitId,
            ElapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 3),
        };

        /// <summary>A file system path from a PowerShell path (relative, ~, PSDrive), refusing other providers.</summary>
        public static string ResolveFileSystemPath(PSCmdlet cmdlet, string path, string parameterName)
        {
            Core.Rules.FileRules.RequireUsablePath(path, parameterName);
            string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.PathNotFileSystem, Core.PfaErrorKind.InvalidArgument, $"-{parameterName} '{path}' is on the {provider.Name} provider. Give a file system path.", path);
            }

            return resolved;
        }

        private static readonly Regex Percent = new Regex(@"^(?<activity>[^:]+):\s+(?<percent>\d{1,3})%", RegexOptions.CultureInvariant);

        /// <summary>Turns git's progress lines (stderr, with --progress) into progress records on the pipeline thread.</summary>
        internal sealed class GitProgress : IProgress<string>
        {
            private readonly Action<Action> _onPipeline;
            private readonly Action<ProgressRecord> _write;
            private readonly string _activity;
            private readonly Func<bool> _stopped;

            public GitProgress(string activity, Action<Action> onPipeline, Action<ProgressRecord> write, Func<bool> stopped)
            {
                _activity = activity;
                _onPipeline = onPipeline;
                _write = write;
                _stopped = stopped;
            }

            public void Report(string value)
            {
                if (_stopped() || string.IsNullOrWhiteSpace(value))
                {
                    return;
                }

                string line = value.Trim();
                var record = new ProgressRecord(2, _activity, line.Length > 120 ? line.Substring(0, 120) : line);
                Match match = Percent.Match(line);
                if (match.Success && int.TryParse(match.Groups["percent"].Value, out int percent) && percent >= 0 && percent <= 100)
                {
                    record.PercentComplete = percent;
                }

                _onPipeline(() => _write(record));
            }
        }
    }
}
