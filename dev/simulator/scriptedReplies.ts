import { Answer, HANG, textReply } from './httpServer';
import { ScriptedResponse } from './faults';

const LOGIN_PAGE = `<!DOCTYPE html>
<html>
<head><title>Log in - Bitbucket</title></head>
<body>
<form id="form-login" method="post" action="/j_atl_security_check">
<input type="text" name="j_username"><input type="password" name="j_password">
<input type="submit" value="Log in">
</form>
</body>
</html>
`;

const JSON_TYPE = 'application/json;charset=UTF-8';

/** The wire answer for a scripted fault. */
export function scriptedAnswer(respond: ScriptedResponse): Answer {
  switch (respond) {
    case 'hang':
      return HANG;
    case 'html-login':
      return textReply(200, LOGIN_PAGE, 'text/html;charset=UTF-8');
    case 'malformed-json':
      return textReply(200, '{"values": [{"slug": "trunc', JSON_TYPE);
    case 'empty-body':
      return textReply(200, '', JSON_TYPE);
    default:
      return {
        status: respond.status,
        headers: { 'content-type': JSON_TYPE, ...respond.headers },
        body: respond.body,
      };
  }
}
