/*! license of the fixture (MIT) */
!function(){try{var e=globalThis;e._sentryDebugIds={}}catch(e){}}();import{spawn as Q3}from"child_process";import*as qo from"child_process";const a=import.meta.url,b=a?.length??0;Q3("x");
