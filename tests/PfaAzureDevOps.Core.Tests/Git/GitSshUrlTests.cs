using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    public class GitSshUrlTests
    {
        [Fact]
        public void AzureDevOpsScpStyle()
        {
            GitSshUrl url = GitSshUrl.Parse("git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app");
            Assert.Equal("git", url.User);
            Assert.Equal("ssh.dev.azure.com", url.Host);
            Assert.Equal(22, url.Port);
            Assert.Equal("v3/contoso/Fabrikam/web-app", url.Path);
            Assert.True(url.IsAzureDevOps);
            Assert.True(url.IsScpStyle);
            Assert.Equal("git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app", url.ToString());
        }

        [Fact]
        public void LegacyVisualStudioHost()
        {
            GitSshUrl url = GitSshUrl.Parse("contoso@vs-ssh.visualstudio.com:v3/contoso/Fabrikam/web-app");
            Assert.Equal("contoso", url.User);
            Assert.True(url.IsAzureDevOps);
        }

        [Theory]
        [InlineData("example.com:repo.git", "git", "example.com", 22, "repo.git")]
        [InlineData("alice@example.com:/srv/git/repo.git", "alice", "example.com", 22, "/srv/git/repo.git")]
        [InlineData("git@[::1]:repo.git", "git", "::1", 22, "repo.git")]
        [InlineData("ssh://git@ssh.dev.azure.com/v3/org/proj/repo", "git", "ssh.dev.azure.com", 22, "/v3/org/proj/repo")]
        [InlineData("ssh://example.com:2222/srv/repo.git", "git", "example.com", 2222, "/srv/repo.git")]
        [InlineData("ssh://bob@127.0.0.1:40022/tmp/x/project.git", "bob", "127.0.0.1", 40022, "/tmp/x/project.git")]
        [InlineData("ssh://git@[::1]:2222/repo.git", "git", "::1", 2222, "/repo.git")]
        [InlineData("ssh://git@example.com/~alice/repo.git", "git", "example.com", 22, "~alice/repo.git")]
        [InlineData("git+ssh://example.com/repo.git", "git", "example.com", 22, "/repo.git")]
        [InlineData("  git@example.com:repo.git  ", "git", "example.com", 22, "repo.git")]
        public void AcceptedShapes(string text, string user, string host, int port, string path)
        {
            GitSshUrl url = GitSshUrl.Parse(text);
            Assert.Equal(user, url.User);
            Assert.Equal(host, url.Host);
            Assert.Equal(port, url.Port);
            Assert.Equal(path, url.Path);
            Assert.Equal(host == "ssh.dev.azure.com", url.IsAzureDevOps);

            // ToString round-trips.
            GitSshUrl again = GitSshUrl.Parse(url.ToString());
            Assert.Equal(url.User, again.User);
            Assert.Equal(url.Host, again.Host);
            Assert.Equal(url.Port, again.Port);
            Assert.Equal(url.Path, again.Path);
        }

        [Fact]
        public void SshSchemeWithPortPrintsSshScheme()
        {
            Assert.Equal("ssh://git@example.com:2222/srv/repo.git", GitSshUrl.Parse("ssh://example.com:2222/srv/repo.git").ToString());
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("https://dev.azure.com/contoso/Fabrikam/_git/web-app")]
        [InlineData("http://example.com/repo.git")]
        [InlineData("git://example.com/repo.git")]
        [InlineData("file:///srv/repo.git")]
        [InlineData("/srv/repo.git")]
        [InlineData("C:\\repos\\x")]
        [InlineData("C:/repos/x")]
        [InlineData("./relative/repo")]
        [InlineData("example.com")]
        [InlineData("git@example.com")]
        [InlineData("git@example.com:")]
        [InlineData("ssh://example.com")]
        [InlineData("ssh://example.com/")]
        [InlineData("ssh://example.com:99999/repo")]
        [InlineData("ssh://example.com:abc/repo")]
        [InlineData("ssh://user:password@example.com/repo")]
        [InlineData("ssh://-oProxyCommand=evil/repo")]
        [InlineData("-oProxyCommand=evil:repo")]
        [InlineData("git@example.com:-upload-pack=evil")]
        [InlineData("git@exa mple.com:repo")]
        [InlineData("@example.com:repo")]
        [InlineData("git@exa..mple.com:repo")]
        [InlineData("git@host-.example.com:repo")]
        [InlineData("ssh://git@ex\u00e4mple.com/repo")]
        [InlineData("ssh://git@[::zz]:22/repo")]
        public void RejectedShapes(string text)
        {
            PfaException ex = Assert.Throws<PfaException>(() => GitSshUrl.Parse(text));
            Assert.Equal("GitUrlInvalid", ex.ErrorId);
            Assert.Equal(PfaErrorKind.InvalidArgument, ex.Kind);
            Assert.Contains("git@ssh.dev.azure.com:v3/", ex.Message);
            Assert.Contains("ssh://[user@]host[:port]/path", ex.Message);
            Assert.False(GitSshUrl.TryParse(text, out _));
        }
    }
}
