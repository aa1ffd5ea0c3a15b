using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    /// <summary>A host key that changes between the module's check and git's ssh is SshHostKeyMismatch, not GitCommandFailed.</summary>
    [Trait(Lane.Name, Lane.Integration)]
    public sealed class GitHostKeyChangedTests
    {
        [Fact]
        public async Task OpenSshRefusingAChangedHostKeyIsReportedAsAMismatch()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            string folder = Path.Combine(Path.GetTempPath(), "pfa-fakegit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                // A stand-in for git whose ssh met another host key, with OpenSSH's own words and advice.
                string git = Path.Combine(folder, "git");
                File.WriteAllText(git, "#!/bin/sh\ncat >&2 <<'X'\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nAdd correct host key in /tmp/pfa-git-0123/known_hosts to get rid of this message.\nOffending RSA key in /tmp/pfa-git-0123/known_hosts:1\nHost key verification failed.\nfatal: Could not read from remote repository.\nX\nexit 128\n");
                File.SetUnixFileMode(git, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                PfaException error = await Assert.ThrowsAsync<PfaException>(() => GitProcess.RunGitAsync(new[] { "clone", "ssh://git@127.0.0.1:1/r", "x" }, null, CancellationToken.None, null, null, git: git));
                Assert.Equal("SshHostKeyMismatch", error.ErrorId);
                Assert.DoesNotContain("known_hosts to get rid", error.Message);
                Assert.DoesNotContain("/tmp/pfa-git-", error.Message);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
