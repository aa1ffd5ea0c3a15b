using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.SignIn;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.OAuth
{
    public class OAuthProtocolTests
    {
        private static readonly Uri Server = new Uri("https://app.vssps.visualstudio.com");
        private static readonly Uri Callback = new Uri("https://pfa.example.com/oauth2/azureDevOps");

        private static AuthorizationRequest NewRequest(Uri? callback = null) =>
            new AuthorizationRequest(Server, Guid.Parse("6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b"), callback ?? Callback, new[] { "vso.code_write" });

        [Fact]
        public void AuthorizeUrlHasTheHostedShape()
        {
            AuthorizationRequest request = NewRequest();
            Assert.Equal(
                "https://app.vssps.visualstudio.com/oauth2/authorize?client_id=6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b&response_type=Assertion&state=" + request.State + "&scope=vso.code_write&redirect_uri=https%3A%2F%2Fpfa.example.com%2Foauth2%2FazureDevOps",
                request.AuthorizeUrl.AbsoluteUri);
        }

        [Fact]
        public void StatesAreFreshAndUnguessable()
        {
            var states = Enumerable.Range(0, 200).Select(_ => NewRequest().State).ToList();
            Assert.Equal(200, states.Distinct().Count());
            Assert.All(states, s => Assert.Matches("^[A-Za-z0-9_-]{43}$", s));
        }

        [Fact]
        public void ReadCodeChecksStatePathAndError()
        {
            AuthorizationRequest request = NewRequest();
            Assert.Equal("c0de", request.ReadCode(new Uri(Callback + "?code=c0de&state=" + request.State)));
            Assert.Equal("OAuthStateMismatch", Assert.Throws<PfaException>(() => request.ReadCode(new Uri(Callback + "?code=c0de&state=other"))).ErrorId);
            Assert.Equal("OAuthStateMismatch", Assert.Throws<PfaException>(() => request.ReadCode(new Uri(Callback + "?code=c0de"))).ErrorId);
            Assert.Equal("CallbackUriMismatch", Assert.Throws<PfaException>(() => request.ReadCode(new Uri("https://evil.example.com/oauth2/azureDevOps?code=c&state=" + request.State))).ErrorId);
            Assert.Equal("OAuthAccessDenied", Assert.Throws<PfaException>(() => request.ReadCode(new Uri(Callback + "?error=access_denied&state=" + request.State))).ErrorId);
            Assert.Equal("OAuthCodeMissing", Assert.Throws<PfaException>(() => request.ReadCode(new Uri(Callback + "?state=" + request.State))).ErrorId);
            PfaException other = Assert.Throws<PfaException>(() => request.ReadCode(new Uri(Callback + "?error=server_error&error_description=oops&state=" + request.State)));
            Assert.Equal("OAuthAuthorizationFailed", other.ErrorId);
            Assert.Contains("oops", other.Message);
        }

        [Fact]
        public void ExpiresInIsAString()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            TokenResponse token = OAuthTokenClient.Parse(Encoding.UTF8.GetBytes("{\"access_token\":\"a\",\"token_type\":\"jwt-bearer\",\"expires_in\":\"3599\",\"refresh_token\":\"r\",\"scope\":\"vso.code_write\"}"), Server, now);
            Assert.Equal(now.AddSeconds(3599), token.ExpiresOn);
            Assert.Equal("vso.code_write", token.Scope);
            token = OAuthTokenClient.Parse(Encoding.UTF8.GetBytes("{\"access_token\":\"a\",\"expires_in\":120,\"refresh_token\":\"r\"}"), Server, now);
            Assert.Equal(now.AddSeconds(120), token.ExpiresOn);
        }

        [Theory]
        [InlineData("{\"Error\":\"invalid_client\",\"ErrorDescription\":\"Failed to deserialize the JsonWebToken object.\"}", TokenGrant.AuthorizationCode, "OAuthInvalidClient", "App Secret")]
        [InlineData("{\"error\":\"invalid_client\",\"error_description\":\"Failed to deserialize the JsonWebToken object.\"}", TokenGrant.AuthorizationCode, "OAuthInvalidClient", "JsonWebToken")]
        [InlineData("{\"Error\":\"unauthorized_client\",\"ErrorDescription\":\"The client secret is not valid.\"}", TokenGrant.RefreshToken, "OAuthClientSecretRotated", "Set-PfaAzureDevOpsApp -ClientSecret")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The client secret has expired.\"}", TokenGrant.RefreshToken, "OAuthClientSecretExpired", "generates a new one")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The authorization has been revoked.\"}", TokenGrant.RefreshToken, "OAuthAuthorizationRevoked", "Run Connect-PfaAzureDevOps to connect again")]
        [InlineData("{\"error\":\"invalid_request\",\"error_description\":\"The access token has already been refreshed.\"}", TokenGrant.RefreshToken, "OAuthRefreshTokenReused", "already used")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The refresh token is not valid.\"}", TokenGrant.RefreshToken, "OAuthRefreshTokenInvalid", "Connect-PfaAzureDevOps")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The refresh token has expired.\"}", TokenGrant.RefreshToken, "OAuthRefreshTokenInvalid", "Connect-PfaAzureDevOps")]
        [InlineData("{\"Error\":\"invalid_grant\",\"ErrorDescription\":\"The grant has already been used.\"}", TokenGrant.AuthorizationCode, "OAuthCodeInvalid", "Codes work once")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The grant has expired.\"}", TokenGrant.AuthorizationCode, "OAuthCodeExpired", "15 minutes")]
        [InlineData("{\"Error\":\"invalid_request\",\"ErrorDescription\":\"The redirect URI is not valid.\"}", TokenGrant.AuthorizationCode, "OAuthRedirectUriMismatch", "Get-PfaAzureDevOpsApp")]
        [InlineData("{\"Error\":\"invalid_scope\"}", TokenGrant.AuthorizationCode, "OAuthInvalidScope", "-OAuthScope")]
        [InlineData("not json", TokenGrant.RefreshToken, "OAuthRefreshFailed", "HTTP 400")]
        public void TokenErrorsMapToIdsWithAdvice(string body, TokenGrant grant, string id, string advice)
        {
            PfaException ex = OAuthTokenClient.MapError(400, Encoding.UTF8.GetBytes(body), grant, new Uri(Server, "/oauth2/token"), null);
            Assert.Equal(id, ex.ErrorId);
            Assert.Contains(advice, ex.Message);
        }

        [Fact]
        public void ServerErrorsMapToOAuthServerError()
        {
            Assert.Equal("OAuthServerError", OAuthTokenClient.MapError(500, Encoding.UTF8.GetBytes("{\"Error\":\"server_error\"}"), TokenGrant.RefreshToken, new Uri(Server, "/oauth2/token"), null).ErrorId);
        }

        [Fact]
        public async Task TheTokenCallIsTheJwtBearerForm()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.OK, "{\"access_token\":\"a\",\"token_type\":\"jwt-bearer\",\"expires_in\":\"3599\",\"refresh_token\":\"r\",\"scope\":\"vso.code_write\"}");
            var client = new OAuthTokenClient(new HttpMessageInvoker(handler), Fakes.Options(new List<TimeSpan>()));
            TokenResponse token = await client.RedeemCodeAsync(Server, "s3cr/t+=".ToCharArray(), "the code", Callback, CancellationToken.None);
            Assert.Equal("a", token.AccessToken);
            HttpRequestMessage request = handler.Requests.Single();
            Assert.Equal(HttpMethod.Post, request.Method);
            Assert.Equal("https://app.vssps.visualstudio.com/oauth2/token", request.RequestUri!.AbsoluteUri);
            Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
            Assert.Equal(
                "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=s3cr%2Ft%2B%3D&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=the%20code&redirect_uri=https%3A%2F%2Fpfa.example.com%2Foauth2%2FazureDevOps",
                handler.Bodies.Single());

            handler.Then(HttpStatusCode.OK, "{\"access_token\":\"a2\",\"expires_in\":\"3599\",\"refresh_token\":\"r2\"}");
            await client.RefreshAsync(Server, "s".ToCharArray(), "r", Callback, CancellationToken.None);
            Assert.Contains("&grant_type=refresh_token&assertion=r&", handler.Bodies.Last());
        }

        [Fact]
        public async Task TokenCallsAreNotRetriedAfterADroppedConnection()
        {
            var handler = new ScriptedHandler().Then(_ => throw new HttpRequestException("reset"));
            var client = new OAuthTokenClient(new HttpMessageInvoker(handler), Fakes.Options(new List<TimeSpan>()));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => client.RefreshAsync(Server, "s".ToCharArray(), "r", Callback, CancellationToken.None));
            Assert.Equal("AzureDevOpsConnectionFailed", ex.ErrorId);
            Assert.Single(handler.Requests);
        }

        [Fact]
        public async Task LoopbackListenerAnswersOnlyTheExactPathOnce()
        {
            int port = FreePort();
            var callback = new Uri($"http://127.0.0.1:{port}/oauth2/azureDevOps");
            using LoopbackListener listener = LoopbackListener.Start(callback);
            Task<Uri> waiting = listener.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            using var http = new HttpClient();
            HttpResponseMessage favicon = await http.GetAsync($"http://127.0.0.1:{port}/favicon.ico");
            Assert.Equal(HttpStatusCode.NotFound, favicon.StatusCode);
            HttpResponseMessage other = await http.GetAsync($"http://127.0.0.1:{port}/oauth2/azureDevOpsX?code=1");
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.False(waiting.IsCompleted);
            HttpResponseMessage answer = await http.GetAsync(callback + "?code=abc&state=xyz");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains("You may close this window", await answer.Content.ReadAsStringAsync());
            Uri returned = await waiting;
            Assert.Equal(callback + "?code=abc&state=xyz", returned.AbsoluteUri);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(callback + "?code=again"));
        }

        [Fact]
        public async Task LoopbackListenerKeepsWaitingOnAWrongStateOrAForeignHost()
        {
            int port = FreePort();
            var callback = new Uri($"http://127.0.0.1:{port}/oauth2/azureDevOps");
            using LoopbackListener listener = LoopbackListener.Start(callback);
            listener.ExpectedState = "s-1";
            Task<Uri> waiting = listener.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(callback + "?code=evil&state=other")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(callback + "?code=evil")).StatusCode);
            using (var rebound = new HttpRequestMessage(HttpMethod.Get, callback + "?code=evil&state=s-1"))
            {
                rebound.Headers.Host = $"attacker.example:{port}";
                Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound)).StatusCode);
            }

            Assert.False(waiting.IsCompleted);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(callback + "?code=good&state=s-1")).StatusCode);
            Assert.Equal("good", AuthorizationRequest.ParseQuery((await waiting).Query)["code"]);
        }

        [Fact]
        public async Task LoopbackListenerIgnoresAnIdleConnection()
        {
            int port = FreePort();
            var callback = new Uri($"http://127.0.0.1:{port}/cb");
            using LoopbackListener listener = LoopbackListener.Start(callback);
            Task<Uri> waiting = listener.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            using var idle = new TcpClient();
            await idle.ConnectAsync(IPAddress.Loopback, port);
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(callback + "?code=1")).StatusCode);
            Assert.Equal("1", AuthorizationRequest.ParseQuery((await waiting).Query)["code"]);
        }

        [Fact]
        public async Task LoopbackListenerTimesOut()
        {
            var callback = new Uri($"http://127.0.0.1:{FreePort()}/cb");
            using LoopbackListener listener = LoopbackListener.Start(callback);
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => listener.WaitAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
            Assert.Equal("CallbackTimeout", ex.ErrorId);
        }

        [Fact]
        public void LoopbackListenerRefusesNonLoopbackCallbacks()
        {
            Assert.Equal("CallbackNotLoopback", Assert.Throws<PfaException>(() => LoopbackListener.Start(new Uri("http://pfa.example.com:8080/cb"))).ErrorId);
            Assert.Equal("CallbackNotLoopback", Assert.Throws<PfaException>(() => LoopbackListener.Start(new Uri("https://127.0.0.1:8443/cb"))).ErrorId);
        }

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }
    }
}
